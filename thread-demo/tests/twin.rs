//! The Python twin prints the Rust program's lines, numbers aside.

use std::time::Duration;
use testkit::{run_within, twin};

#[test]
fn thread_demo_py_prints_the_same_lines_and_its_waits_overlap_too() {
    let test = "thread_demo_py_prints_the_same_lines_and_its_waits_overlap_too";
    let dir = env!("CARGO_MANIFEST_DIR");
    let limit = Duration::from_secs(15);
    let exe = env!("CARGO_BIN_EXE_thread-demo");
    let Some((rust, runs)) =
        twin::run_both(test, dir, "thread_demo.py", &[], exe, run_within, limit)
    else {
        return;
    };
    twin::each(&runs, |run| {
        let python = &run.out;
        // Each prints its main thread's real name: Rust's "main" is Python's "MainThread".
        let python = python.stdout.replace("thread MainThread ", "thread main ");
        // The named thread's part in order; the squares and cubes of two threads may interleave.
        let (rust_loop, rust_lists) = rust.stdout.split_once("one thread:\n").unwrap();
        let (python_loop, python_lists) = python
            .split_once("one thread:\n")
            .unwrap_or_else(|| panic!("no `one thread:` line in\n{python}"));
        twin::assert_same_lines(rust_loop, python_loop);
        twin::assert_same_lines_any_order(rust_lists, python_lists);

        // In Python too, two threads that wait take less time than one.
        let seconds = |line: &str| -> f64 {
            let figure = line.strip_prefix("done in: ").unwrap().split(' ').next();
            figure.unwrap().parse().unwrap()
        };
        let done: Vec<f64> = python
            .lines()
            .filter(|l| l.starts_with("done in: "))
            .map(seconds)
            .collect();
        assert!(done.len() == 2 && done[1] < done[0], "{python}");
    });
}
