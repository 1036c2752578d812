//! Runs the real demo and checks what it exists to show: a worker that panics
//! (thread) or aborts (process) does not stop the master, its task is redone by
//! another worker, and every result arrives, correct.

// Tests may unwrap, helpers included (clippy.toml only covers #[test] functions).
#![allow(clippy::unwrap_used)]

use std::process::Command;

struct Row {
    id: u64,
    n: u64,
    square: u64,
    thread: String,
    process: String,
}

/// Runs the demo with backtraces on, as on a developer's machine, and returns
/// stdout, the table rows and stderr.
fn run_demo() -> (String, Vec<Row>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_master-worker"))
        .env("RUST_BACKTRACE", "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(out.status.success(), "demo failed:\n{stdout}\n{stderr}");
    let rows = stdout
        .lines()
        .skip_while(|l| !l.starts_with(" task |"))
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split('|').map(str::trim).collect();
            Row {
                id: f[0].parse().unwrap(),
                n: f[1].parse().unwrap(),
                square: f[2].parse().unwrap(),
                thread: f[3].to_string(),
                process: f[4].to_string(),
            }
        })
        .collect();
    (stdout, rows, stderr)
}

/// The name of the worker on the line that reports `what` happened on task 5.
fn broken_worker<'a>(stdout: &'a str, what: &str) -> &'a str {
    let line = stdout
        .lines()
        .find(|l| {
            l.contains(what) && l.ends_with("on task 5; it goes back to the queue, unpoisoned")
        })
        .unwrap_or_else(|| panic!("no line saying a worker {what} on task 5:\n{stdout}"));
    &line[..line.find(what).unwrap() - 1]
}

#[test]
fn every_result_arrives_despite_a_panicking_thread_and_a_crashing_process() {
    let (stdout, rows, _) = run_demo();
    assert_eq!(rows.len(), 8, "one table row per task:\n{stdout}");
    for (i, row) in rows.iter().enumerate() {
        assert_eq!(row.id, i as u64 + 1);
        assert_eq!(
            row.square,
            row.n * row.n,
            "wrong square for task {}",
            row.id
        );
    }
    // Every "did task" line, from threads and processes, has the right square.
    let did: Vec<&str> = stdout
        .lines()
        .filter(|l| l.contains(" did task "))
        .collect();
    assert_eq!(
        did.len(),
        16,
        "8 tasks done by threads, 8 by processes:\n{stdout}"
    );
    for line in did {
        let (_, sum) = line.split_once(": ").unwrap();
        let nums: Vec<u64> = sum
            .split([' ', '*', '='])
            .filter_map(|w| w.parse().ok())
            .collect();
        assert_eq!(nums[0] * nums[1], nums[2], "{line}");
    }
    assert!(stdout.contains("collected 8 of 8 results with threads"));
    assert!(stdout.contains("collected 8 of 8 results with processes"));

    // Threads: the panic is reported, and another thread did task 5.
    let panicked = broken_worker(&stdout, "panicked (\"poison task 5\")");
    assert!(panicked.starts_with("worker-"), "{panicked}");
    assert_ne!(
        rows[4].thread, panicked,
        "task 5 must be redone by another thread"
    );

    // Processes: a real crash (SIGABRT on Unix), and another process did task 5.
    let crashed = broken_worker(&stdout, "crashed");
    assert!(crashed.starts_with("process "), "{crashed}");
    #[cfg(unix)]
    assert!(stdout.contains(&format!("{crashed} crashed (signal: 6 (SIGABRT))")));
    assert_ne!(
        rows[4].process, crashed,
        "task 5 must be redone by another process"
    );
}

#[cfg(target_os = "linux")]
#[test]
fn no_worker_process_is_left_behind() {
    let (stdout, rows, _) = run_demo();
    let crashed = broken_worker(&stdout, "crashed").to_string();
    let pids = rows.iter().map(|r| r.process.clone()).chain([crashed]);
    for name in pids {
        let pid = name.trim_start_matches("process ");
        assert!(
            !std::path::Path::new(&format!("/proc/{pid}")).exists(),
            "worker {pid} is still there after the demo ended"
        );
    }
}

/// The worker thread's panic takes one line on stderr, naming the thread and
/// the message, even with RUST_BACKTRACE=1: no backtrace buries the demo.
#[test]
fn the_panic_is_one_readable_line_on_stderr() {
    let (stdout, _, stderr) = run_demo();
    let panicked = broken_worker(&stdout, "panicked (\"poison task 5\")");
    assert_eq!(
        stderr,
        format!("thread '{panicked}' panicked: poison task 5\n"),
        "stdout:\n{stdout}"
    );
}

#[test]
fn help_and_bad_arguments() {
    let exe = env!("CARGO_BIN_EXE_master-worker");
    assert!(testkit::assert_help(exe).starts_with("usage:"));
    testkit::assert_usage_error(exe, &["--bogus"]);
}
