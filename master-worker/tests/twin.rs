//! Each program beside its Python twin: the same lines (numbers, PIDs and the order of
//! the workers' lines aside), and in Python too, the broken worker's task is redone by
//! another worker. Where Rust's worker panics, Python's raises, and each says so in its
//! own words.

// Tests may unwrap, helpers included (clippy.toml only covers #[test] functions).
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use testkit::{line, run_within, twin};

const LIMIT: Duration = Duration::from_secs(60);

/// The worker named on the table row of task 5, and the one named on the line
/// that says `what` happened to it on task 5.
fn task_5_workers<'a>(stdout: &'a str, what: &str) -> (&'a str, &'a str) {
    let row = testkit::line_after(stdout, "    5 | 31 |   961 | ");
    let suffix = format!(" {what} on task 5; it goes back to the queue");
    let broken = (stdout.lines())
        .find_map(|l| l.strip_suffix(&suffix))
        .unwrap_or_else(|| panic!("no worker {what} on task 5:\n{stdout}"));
    (row, broken)
}

#[test]
fn master_worker_twin_prints_the_same_lines() {
    let name = "master_worker_twin_prints_the_same_lines";
    let dir = env!("CARGO_MANIFEST_DIR");
    let exe = env!("CARGO_BIN_EXE_master-worker");
    let Some((rust, runs)) =
        twin::run_both(name, dir, "master_worker.py", &[], exe, run_within, LIMIT)
    else {
        return;
    };
    let panicked = "panicked (\"poison task 5\")";
    let (_, rust_worker) = task_5_workers(&rust.stdout, panicked);
    let rust_note = "note: a panic unwinds only its own thread; an abort (or a segfault) in any \
                     thread ends the whole process";
    assert_eq!(line(&rust.stdout, "note: "), rust_note);
    twin::each(&runs, |run| {
        let py = &run.out;
        let raised = "raised RuntimeError('poison task 5')";
        let (redone_by, worker) = task_5_workers(&py.stdout, raised);
        assert_ne!(redone_by, worker, "{}", py.stdout);
        assert_eq!(
            py.stderr,
            format!("Exception in thread {worker}: RuntimeError: poison task 5\n")
        );
        // Python's two lines of its own, each where Rust says the same in its words.
        let again = " on task 5; it goes back to the queue";
        let python_note = "note: a Python exception ends only its own thread; os.abort() (or a \
                           segfault) in any thread ends the whole process";
        let python = twin::in_program_words(
            &py.stdout,
            &format!("{worker} {raised}{again}"),
            &format!("{rust_worker} {panicked}{again}"),
        );
        let python = twin::in_program_words(&python, python_note, rust_note);
        twin::assert_same_lines_any_order(&rust.stdout, &python);
    });
}

#[test]
fn master_worker_processes_twin_prints_the_same_lines() {
    let name = "master_worker_processes_twin_prints_the_same_lines";
    let dir = env!("CARGO_MANIFEST_DIR");
    let script = "master_worker_processes.py";
    let exe = env!("CARGO_BIN_EXE_master-worker-processes");
    let Some((rust, runs)) = twin::run_both_methods(name, dir, script, exe, run_within, LIMIT)
    else {
        return;
    };
    twin::each(&runs, |run| {
        let out = &run.without_start_method();
        twin::assert_same_lines_any_order(&rust.stdout, out);
        // A real crash in Python too: the worker was killed by SIGABRT.
        let (redone_by, crashed) = task_5_workers(out, "crashed (signal: 6 (SIGABRT))");
        assert_ne!(redone_by, crashed, "{out}");
        assert!(run.out.stderr.is_empty(), "{:?}", run.out);
    });
}
