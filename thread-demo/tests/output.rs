use std::time::Duration;
use testkit::{Outcome, run_within};

const EXE: &str = env!("CARGO_BIN_EXE_thread-demo");

fn run() -> Outcome {
    run_within(EXE, &[], Duration::from_secs(60))
}

#[test]
fn loop_thread_counts_in_order_and_both_threads_end() {
    let out = run();
    assert_eq!(out.code, Some(0), "{out:?}");
    let stdout = out.stdout;
    let lines: Vec<&str> = stdout.lines().collect();
    let pos = |l: &str| {
        lines
            .iter()
            .position(|x| *x == l)
            .unwrap_or_else(|| panic!("missing {l:?} in\n{stdout}"))
    };

    // The named thread counts 1..=5 in order, between its start and end lines.
    let counts: Vec<u32> = lines
        .iter()
        .filter_map(|l| l.strip_prefix("thread LoopThread >>> "))
        .map(|n| n.parse().unwrap())
        .collect();
    assert_eq!(counts, [1, 2, 3, 4, 5]);
    let started = pos("thread LoopThread is running...");
    let first = pos("thread LoopThread >>> 1");
    let last = pos("thread LoopThread >>> 5");
    let loop_end = pos("thread LoopThread ended.");
    let main_end = pos("thread main ended.");
    assert!(pos("thread main is running...") < started);
    // main ends only after joining LoopThread.
    assert!(started < first && last < loop_end && loop_end < main_end);
}

#[test]
fn squares_and_cubes_are_computed_by_two_threads() {
    let stdout = run().stdout;
    let values = |prefix: &str| -> Vec<u64> {
        stdout
            .lines()
            .filter_map(|l| l.strip_prefix(prefix))
            .map(|n| n.parse().unwrap())
            .collect()
    };
    assert_eq!(values("square: "), [4, 9, 64, 81]);
    assert_eq!(values("cube: "), [8, 27, 512, 729]);
    let done = stdout.lines().find(|l| l.starts_with("done in: ")).unwrap();
    assert!(done.contains("one thread would take 0.80 s"), "{done}");
}

#[test]
fn help_exits_0_and_bad_argument_exits_1() {
    assert!(testkit::assert_help(EXE).starts_with("usage:"));
    let stderr = testkit::assert_usage_error(EXE, &["--bogus"]);
    assert!(stderr.contains("--bogus"), "{stderr}");
}
