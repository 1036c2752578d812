//! The Python twin prints the Rust program's lines, numbers aside, after a line of its own
//! naming its build; with the GIL its threads share one core, free-threaded they get one
//! each, as the Rust program's do.

use std::time::Duration;
use testkit::{line_after, run_within, twin};

#[test]
fn multicore_demo_py_prints_the_same_lines_and_its_threads_share_one_core_under_the_gil() {
    let test =
        "multicore_demo_py_prints_the_same_lines_and_its_threads_share_one_core_under_the_gil";
    let dir = env!("CARGO_MANIFEST_DIR");
    let limit = Duration::from_secs(15);
    let exe = env!("CARGO_BIN_EXE_multicore-demo");
    let Some((rust, runs)) =
        twin::run_both(test, dir, "multicore_demo.py", &[], exe, run_within, limit)
    else {
        return;
    };
    let rust = &rust.stdout;
    let cores = std::thread::available_parallelism().unwrap().get();
    twin::each(&runs, |run| {
        let (build, python) = run.out.stdout.split_once('\n').unwrap();
        assert_eq!(build, run.python.build_line());
        // The last line says how many cores the threads got; under the GIL, Python says
        // instead that its threads take turns, and what it uses for more cores.
        let (rust_runs, _) = rust
            .rsplit_once("cores used at once: ")
            .expect("a last line");
        let (python_runs, python_last) = python
            .rsplit_once("cores used at once: ")
            .unwrap_or_else(|| panic!("no `cores used at once` line in\n{python}"));
        twin::assert_same_lines(rust_runs, python_runs);
        let cpu_use = |threads: usize| -> f64 {
            let prefix = format!("cores: {cores}, threads: {threads}, CPU use: ");
            let percent = line_after(python, &prefix).trim_end_matches('%');
            percent.parse().unwrap()
        };
        let (one, cpu) = (cpu_use(1), cpu_use(cores));
        assert!(cpu > 0.0, "{python}");
        let got = format!("{:.2} of {cores}: ", cpu / 100.0);
        let said = python_last
            .trim_end()
            .strip_prefix(&got)
            .unwrap_or_else(|| panic!("the last line does not start with {got:?}:\n{python}"));
        if run.python.gil {
            // One thread at a time runs Python code: about 100%, whatever the number of
            // cores, and the twin says why.
            assert!(cpu < 130.0, "{python}");
            assert_eq!(
                said,
                "Python threads take turns under the GIL; for more cores, Python uses \
                 processes (multiprocessing)"
            );
        } else {
            // No GIL: the threads run at once, and the twin says what the Rust program
            // would. Checked where one busy thread got most of a core: on a busier machine
            // more threads do not get more CPU (the scheduler shares it between programs,
            // not threads), and the test says it did not check.
            if cores > 1 && one >= 90.0 {
                assert!(cpu > 130.0, "{python}");
            } else if cores > 1 {
                twin::skip(
                    test,
                    &format!(
                        "{}: one thread got {one}% of a core, so the machine is busy: \
                         whether {cores} threads got more is not checked",
                        run.python
                    ),
                );
            }
            assert!(
                [
                    "every thread had a core of its own",
                    "the machine gave fewer than asked (other programs were using the rest)"
                ]
                .contains(&said),
                "{python}"
            );
        }
    });
}
