//! The Python twin prints the Rust program's lines, numbers aside.

use std::time::Duration;
use testkit::{run_within, twin};

#[test]
fn subprocess_demo_py_prints_the_same_lines_and_deadlocks_the_same_way() {
    let test = "subprocess_demo_py_prints_the_same_lines_and_deadlocks_the_same_way";
    let limit = Duration::from_secs(30);
    let dir = env!("CARGO_MANIFEST_DIR");
    let exe = env!("CARGO_BIN_EXE_subprocess-demo");
    let Some((rust, runs)) =
        twin::run_both(test, dir, "subprocess_demo.py", &[], exe, run_within, limit)
    else {
        return;
    };
    twin::each(&runs, |run| {
        let python = &run.out;
        // Each names itself in its `$` lines: the script's file name, the binary's.
        let python = python
            .stdout
            .replace("subprocess_demo.py", "subprocess-demo");
        twin::assert_same_lines(&rust.stdout, &python);

        // Popen.wait() before reading deadlocks in Python too: the pipe held only
        // part of the output; communicate's order (run) gets all of it.
        let reads: Vec<(u64, u64)> = python
            .lines()
            .filter_map(|l| l.strip_prefix("Read ")?.strip_suffix(" bytes."))
            .map(|l| {
                let (read, total) = l.split_once(" of ").unwrap();
                (read.parse().unwrap(), total.parse().unwrap())
            })
            .collect();
        assert_eq!(reads.len(), 2, "{python}");
        assert!(0 < reads[0].0 && reads[0].0 < reads[0].1, "{python}");
        assert_eq!(reads[1].0, reads[1].1, "{python}");
        assert!(
            python.lines().any(|l| l.starts_with("deadlock: ")),
            "{python}"
        );
    });
}
