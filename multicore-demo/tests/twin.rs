//! The Python twin prints the Rust program's lines, numbers aside, and shows the GIL.

use std::time::Duration;
use testkit::{line_after, run_within, twin};

#[test]
fn multicore_demo_py_prints_the_same_lines_and_its_threads_share_one_core() {
    let test = "multicore_demo_py_prints_the_same_lines_and_its_threads_share_one_core";
    let dir = env!("CARGO_MANIFEST_DIR");
    let limit = Duration::from_secs(15);
    let exe = env!("CARGO_BIN_EXE_multicore-demo");
    let Some((rust, runs)) =
        twin::run_both(test, dir, "multicore_demo.py", &[], exe, run_within, limit)
    else {
        return;
    };
    twin::each(&runs, |run| {
        let (rust, python) = (&rust.stdout, &run.out.stdout);
        // The last line says how many cores the threads got; under the GIL, Python says instead
        // that its threads take turns, and what it uses for more cores.
        let (rust_runs, _) = rust
            .rsplit_once("cores used at once: ")
            .expect("a last line");
        let (python_runs, python_last) = python
            .rsplit_once("cores used at once: ")
            .unwrap_or_else(|| panic!("no `cores used at once` line in\n{python}"));
        twin::assert_same_lines(rust_runs, python_runs);
        let cores = std::thread::available_parallelism().unwrap().get();
        let prefix = format!("cores: {cores}, threads: {cores}, CPU use: ");
        let cpu: f64 = line_after(python, &prefix)
            .trim_end_matches('%')
            .parse()
            .unwrap();
        assert!(cpu > 0.0, "{python}");
        if python_last.contains("Python threads take turns under the GIL") {
            // One thread at a time runs Python code: about 100%, whatever the number of cores.
            assert!(cpu < 130.0, "{python}");
        } else {
            // A free-threaded Python (no GIL) says what the Rust program would.
            let said = python_last.trim_end();
            assert!(
                said.ends_with(": every thread had a core of its own")
                    || said.ends_with(
                        ": the machine gave fewer than asked (other programs were using the rest)"
                    ),
                "{python}"
            );
        }
    });
}
