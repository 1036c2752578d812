//! The Python twin prints the Rust program's lines, numbers aside, under each of
//! multiprocessing's start methods, and says which one it used.

use std::time::Duration;
use testkit::{line_after, number_after, run_within, twin};

#[test]
fn spawn_demo_py_prints_the_same_lines_and_its_child_has_its_own_global() {
    let test = "spawn_demo_py_prints_the_same_lines_and_its_child_has_its_own_global";
    let limit = Duration::from_secs(30);
    let dir = env!("CARGO_MANIFEST_DIR");
    let exe = env!("CARGO_BIN_EXE_spawn-demo");
    let Some((rust, runs)) =
        twin::run_both_methods(test, dir, "spawn_demo.py", exe, run_within, limit)
    else {
        return;
    };
    twin::each(&runs, |run| {
        let text = &run.without_start_method();
        twin::assert_same_lines(&rust.stdout, text);

        // multiprocessing.Process runs in another process, whose global is its own.
        let parent: u32 = number_after(text, "Parent process ");
        let child: u32 = number_after(text, "Run child process test (");
        assert_ne!(child, parent, "{text}");
        assert_eq!(
            line_after(text, "Result (in child process "),
            format!("{child}): [1, 4, 9, 16]")
        );
        assert_eq!(
            line_after(text, "Result (in parent process "),
            format!("{parent}): []")
        );
    });
}
