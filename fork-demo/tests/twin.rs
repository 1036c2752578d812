//! The Python twin prints the Rust program's lines, numbers aside.
#![cfg(unix)]

use std::time::Duration;
use testkit::{number_after, run_within, twin};

#[test]
fn fork_demo_py_prints_the_same_lines_and_its_child_knows_its_parent() {
    let test = "fork_demo_py_prints_the_same_lines_and_its_child_knows_its_parent";
    let limit = Duration::from_secs(30);
    let dir = env!("CARGO_MANIFEST_DIR");
    let exe = env!("CARGO_BIN_EXE_fork-demo");
    let Some((rust, runs)) = twin::run_both(test, dir, "fork_demo.py", &[], exe, run_within, limit)
    else {
        return;
    };
    twin::each(&runs, |run| {
        let python = &run.out;
        // Parent and child print at the same time, so their lines may swap.
        twin::assert_same_lines_any_order(&rust.stdout, &python.stdout);

        // os.fork returns twice in Python too: the child's parent is the process
        // that forked, and waitpid reaped that child with status 0.
        let text = &python.stdout;
        let parent: u32 = number_after(text, "Process (");
        let child: u32 = number_after(text, "I am child process (");
        assert_ne!(child, parent, "{text}");
        let line = testkit::line(text, "I am child process (");
        assert!(line.ends_with(&format!("my parent is {parent}.")), "{text}");
        assert_eq!(
            testkit::line(text, "Child process ("),
            format!("Child process ({child}) exited with status 0."),
        );
    });
}
