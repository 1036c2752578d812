//! The Python twin prints the Rust program's lines, numbers aside, after a line of its own
//! naming its build; with the GIL its threads share one core, free-threaded they get one
//! each, as the Rust program's do.

use std::time::Duration;
use testkit::{command_within, line_after, run_within, twin};

const DIR: &str = env!("CARGO_MANIFEST_DIR");
const LIMIT: Duration = Duration::from_secs(15);
/// Free-threaded runs of the twin, at most, until its threads get more than one core.
const TRIES: usize = 3;

/// Checks one run of the twin on `python` against the Rust program's lines and returns the
/// CPU use it printed: of one thread, and of one thread per core, in percent.
fn check(rust: &str, out: &str, python: &twin::Python, cores: usize) -> (f64, f64) {
    let (build, out) = out.split_once('\n').expect("several lines");
    assert_eq!(build, python.build_line());
    // The last line says how many cores the threads got; under the GIL, Python says
    // instead that its threads take turns, and what it uses for more cores.
    let (rust_runs, _) = rust
        .rsplit_once("cores used at once: ")
        .expect("a last line");
    let (python_runs, last) = out
        .rsplit_once("cores used at once: ")
        .unwrap_or_else(|| panic!("no `cores used at once` line in\n{out}"));
    twin::assert_same_lines(rust_runs, python_runs);
    let cpu_use = |threads: usize| -> f64 {
        let prefix = format!("cores: {cores}, threads: {threads}, CPU use: ");
        let percent = line_after(out, &prefix).trim_end_matches('%');
        percent.parse().expect("a percentage")
    };
    let (one, cpu) = (cpu_use(1), cpu_use(cores));
    assert!(cpu > 0.0, "{out}");
    let got = format!("{:.2} of {cores}: ", cpu / 100.0);
    let said = last
        .trim_end()
        .strip_prefix(&got)
        .unwrap_or_else(|| panic!("the last line does not start with {got:?}:\n{out}"));
    let verdicts: &[&str] = if python.gil {
        // One thread at a time runs Python code: about 100%, whatever the number of
        // cores, and the twin says why.
        assert!(cpu < 130.0, "{out}");
        &[
            "Python threads take turns under the GIL; for more cores, Python uses processes \
           (multiprocessing)",
        ]
    } else {
        // No GIL: the twin says what the Rust program would.
        &[
            "every thread had a core of its own",
            "the machine gave fewer than asked (other programs were using the rest)",
        ]
    };
    assert!(verdicts.contains(&said), "{out}");
    (one, cpu)
}

/// The system's load average over the last minute (0 where /proc does not tell).
fn load_average() -> f64 {
    let text = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let first = text.split_whitespace().next();
    first.and_then(|l| l.parse().ok()).unwrap_or(0.0)
}

#[test]
fn multicore_demo_py_prints_the_same_lines_and_its_threads_share_one_core_under_the_gil() {
    let test =
        "multicore_demo_py_prints_the_same_lines_and_its_threads_share_one_core_under_the_gil";
    let exe = env!("CARGO_BIN_EXE_multicore-demo");
    let Some((rust, runs)) =
        twin::run_both(test, DIR, "multicore_demo.py", &[], exe, run_within, LIMIT)
    else {
        return;
    };
    let rust = &rust.stdout;
    let cores = std::thread::available_parallelism()
        .expect("a core count")
        .get();
    twin::each(&runs, |run| {
        let mut figures = vec![check(rust, &run.out.stdout, run.python, cores)];
        if run.python.gil || cores == 1 {
            return;
        }
        // Free-threaded, the threads run at once: more than one core's CPU. A busy machine
        // gives them less (the scheduler shares the cores between programs), so the twin
        // runs again, and where no run got it on a busy machine, the test says it did not
        // check.
        while figures.last().is_some_and(|(_, cpu)| *cpu <= 130.0) && figures.len() < TRIES {
            let again = command_within(run.python.command(DIR, "multicore_demo.py", None), LIMIT);
            assert_eq!(again.code, Some(0), "{again:?}");
            figures.push(check(rust, &again.stdout, run.python, cores));
        }
        if figures.iter().all(|(_, cpu)| *cpu <= 130.0) {
            let load = load_average();
            let why = format!(
                "{cores} threads never got more than 130% of a core in {TRIES} runs \
                 (CPU use of 1 thread and of {cores}: {figures:?}; load average {load})"
            );
            let busy = load >= cores as f64 || figures.iter().any(|(one, _)| *one < 90.0);
            assert!(busy, "{why}, on a machine that was not busy");
            let python = run.python;
            twin::skip(
                test,
                &format!("{python}: {why}: the machine is busy, not checked"),
            );
        }
    });
}
