//! Runs the real demos and checks what they exist to show: a worker that panics
//! (thread) or aborts (process) does not stop the master, its task is redone by
//! another worker, and every result arrives, correct, exactly once.

// Tests may unwrap, helpers included (clippy.toml only covers #[test] functions).
#![allow(clippy::unwrap_used)]

use std::process::Command;
use std::time::Duration;

use testkit::Outcome;

const THREADS: &str = env!("CARGO_BIN_EXE_master-worker");
const PROCESSES: &str = env!("CARGO_BIN_EXE_master-worker-processes");
/// Each demo takes well under a second; this only turns a hang into a failure.
const LIMIT: Duration = Duration::from_secs(60);
const TASKS: [u64; 8] = [3, 7, 12, 25, 31, 48, 50, 99];

/// Runs the threads demo with backtraces on, as on a developer's machine.
fn run_threads() -> Outcome {
    let mut cmd = Command::new(THREADS);
    cmd.env("RUST_BACKTRACE", "1");
    let out = testkit::command_within(cmd, LIMIT);
    assert_eq!(out.code, Some(0), "{out:?}");
    out
}

/// Checks the lines both demos print: each task done once on a `did task` line
/// with the right square, the same worker named in the table, nothing else.
/// Returns the name of the worker that did each task.
fn assert_every_result_once(stdout: &str, column: &str) -> Vec<String> {
    let mut by = vec![String::new(); TASKS.len()];
    for line in stdout.lines().filter(|l| l.contains(" did task ")) {
        let (who, rest) = line.split_once(" did task ").unwrap();
        let (id, sum) = rest.split_once(": ").unwrap();
        let id: usize = id.parse().unwrap();
        let n = TASKS[id - 1];
        assert_eq!(sum, format!("{n} * {n} = {}", n * n), "{line}");
        assert!(by[id - 1].is_empty(), "task {id} done twice:\n{stdout}");
        by[id - 1] = who.to_string();
    }
    assert!(
        by.iter().all(|w| !w.is_empty()),
        "a task was not done:\n{stdout}"
    );
    assert!(
        stdout.contains("collected 8 of 8 results with "),
        "{stdout}"
    );
    let table: Vec<&str> = stdout
        .lines()
        .skip_while(|l| *l != format!(" task |  n | n * n | {column}"))
        .skip(1)
        .collect();
    assert_eq!(table.len(), 8, "one table row per task:\n{stdout}");
    for (i, row) in table.iter().enumerate() {
        let n = TASKS[i];
        let want = format!("{:>5} | {n:>2} | {:>5} | {}", i + 1, n * n, by[i]);
        assert_eq!(*row, want, "the table says what the lines said:\n{stdout}");
    }
    by
}

/// The worker named on the one line that reports `what` happened on task 5.
fn broken_worker<'a>(stdout: &'a str, what: &str) -> &'a str {
    let lines: Vec<&str> = (stdout.lines())
        .filter(|l| l.contains(" on task "))
        .collect();
    assert_eq!(lines.len(), 1, "one worker breaks, once:\n{stdout}");
    let suffix = format!(" {what} on task 5; it goes back to the queue");
    lines[0]
        .strip_suffix(&suffix)
        .unwrap_or_else(|| panic!("no line saying a worker {what} on task 5:\n{stdout}"))
}

#[test]
fn every_result_arrives_despite_a_panicking_thread() {
    let out = run_threads();
    let by = assert_every_result_once(&out.stdout, "thread");
    assert!(out.stdout.contains("collected 8 of 8 results with threads"));
    let panicked = broken_worker(&out.stdout, "panicked (\"poison task 5\")");
    assert!(
        ["worker-1", "worker-2", "worker-3"].contains(&panicked),
        "{panicked}"
    );
    assert!(by.iter().all(|w| w.starts_with("worker-")), "{by:?}");
    assert_ne!(by[4], panicked, "task 5 must be redone by another thread");
    assert!(out.stdout.starts_with(&format!(
        "master (pid {}) hands 8 tasks to 3 workers\n",
        testkit::number_after::<u32>(&out.stdout, "master (pid ")
    )));
}

/// The worker thread's panic takes one line on stderr, naming the thread and
/// the message, even with RUST_BACKTRACE=1: no backtrace buries the demo.
#[test]
fn the_panic_is_one_readable_line_on_stderr() {
    let out = run_threads();
    let panicked = broken_worker(&out.stdout, "panicked (\"poison task 5\")");
    assert_eq!(
        out.stderr,
        format!("thread '{panicked}' panicked: poison task 5\n"),
        "stdout:\n{}",
        out.stdout
    );
}

/// A real crash (SIGABRT on Unix) kills only that worker process; another one
/// does its task; and no worker process is left once the demo has exited.
#[cfg(unix)]
#[test]
fn every_result_arrives_despite_a_crashing_process_and_none_is_left() {
    let out = testkit::run_leaving_nothing(PROCESSES, &[], LIMIT);
    assert_eq!(out.code, Some(0), "{out:?}");
    let by = assert_every_result_once(&out.stdout, "process");
    assert!(
        out.stdout
            .contains("collected 8 of 8 results with processes")
    );
    let crashed = broken_worker(&out.stdout, "crashed (signal: 6 (SIGABRT))");
    let master: u32 = testkit::number_after(&out.stdout, "master (pid ");
    let mut pids: Vec<&str> = by.iter().map(String::as_str).chain([crashed]).collect();
    pids.sort_unstable();
    pids.dedup();
    assert_eq!(pids.len(), 3, "three worker processes: {pids:?}");
    for name in &pids {
        let pid: u32 = name.strip_prefix("process ").unwrap().parse().unwrap();
        assert_ne!(pid, master, "workers are processes of their own");
    }
    assert_ne!(by[4], crashed, "task 5 must be redone by another process");
}
