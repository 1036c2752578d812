//! The Python twin prints the Rust program's lines, numbers aside.

use std::time::Duration;
use testkit::{run_within, twin};

#[test]
fn threadlocal_demo_py_prints_the_same_lines_each_student_in_its_own_thread() {
    let test = "threadlocal_demo_py_prints_the_same_lines_each_student_in_its_own_thread";
    let dir = env!("CARGO_MANIFEST_DIR");
    let limit = Duration::from_secs(15);
    let exe = env!("CARGO_BIN_EXE_threadlocal-demo");
    let script = "threadlocal_demo.py";
    let Some((rust, runs)) = twin::run_both(test, dir, script, &[], exe, run_within, limit) else {
        return;
    };
    twin::each(&runs, |run| {
        let python = &run.out;
        // Each prints its main thread's real name: Rust's "main" is Python's "MainThread".
        let python = python.stdout.replace("thread MainThread ", "thread main ");
        // The two threads' lines may come in either order.
        twin::assert_same_lines_any_order(&rust.stdout, &python);
        // Python's threading.local gives each thread its own student too.
        for line in ["Hello, Alice (in Thread-A)", "Hello, Bob (in Thread-B)"] {
            assert!(
                python.lines().any(|l| l == line),
                "no {line:?} in\n{python}"
            );
        }
    });
}
