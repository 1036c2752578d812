use std::time::Duration;
use testkit::{Outcome, run_within};

const EXE: &str = env!("CARGO_BIN_EXE_thread-demo");

fn run() -> String {
    let out: Outcome = run_within(EXE, &[], Duration::from_secs(10));
    assert_eq!(out.code, Some(0), "{out:?}");
    out.stdout
}

#[test]
fn loop_thread_counts_in_order_and_both_threads_end() {
    let stdout = run();
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

/// The lines of the part titled `title`: those after the title, up to its `done in:` line.
fn part<'a>(stdout: &'a str, title: &str) -> Vec<&'a str> {
    let mut part = Vec::new();
    for line in stdout.lines().skip_while(|l| *l != title).skip(1) {
        part.push(line);
        if line.starts_with("done in: ") {
            return part;
        }
    }
    panic!("no {title:?} part ending in `done in:` in\n{stdout}")
}

/// The numbers on the lines of `part` that start with `prefix`, in order.
fn values(part: &[&str], prefix: &str) -> Vec<u64> {
    let numbers = part.iter().filter_map(|l| l.strip_prefix(prefix));
    numbers
        .map(|n| n.parse().expect("a whole number"))
        .collect()
}

/// Seconds in a `done in: S s...` line, and the figure after `took ` if there is one.
fn seconds(done: &str) -> (f64, Option<f64>) {
    let figure = |s: &str| {
        let number = s.split(' ').next().expect("split gives at least one piece");
        number.parse().expect("seconds as a decimal number")
    };
    let took = done.split("took ").nth(1).map(figure);
    let done = done.strip_prefix("done in: ").expect("a `done in:` line");
    (figure(done), took)
}

#[test]
fn one_thread_computes_the_lists_in_turn_and_two_threads_at_once_in_less_time() {
    let stdout = run();
    let one = part(&stdout, "one thread:");
    let two = part(&stdout, "two threads:");
    for part in [&one, &two] {
        assert_eq!(values(part, "square: "), [4, 9, 64, 81], "{stdout}");
        assert_eq!(values(part, "cube: "), [8, 27, 512, 729], "{stdout}");
    }
    // One thread: all the squares, then all the cubes.
    let first_cube = one.iter().position(|l| l.starts_with("cube: ")).unwrap();
    let last_square = one.iter().rposition(|l| l.starts_with("square: ")).unwrap();
    assert!(last_square < first_cube, "{stdout}");
    // Two threads: both started before either finished its list, so their waits overlapped.
    let both_started = two
        .iter()
        .rposition(|l| l.starts_with("calculate "))
        .unwrap();
    assert!(both_started < two.iter().position(|l| *l == "square: 81").unwrap());
    assert!(both_started < two.iter().position(|l| *l == "cube: 729").unwrap());

    // The time compared against was measured above, and overlapping waits took less.
    let (one_thread, _) = seconds(one.last().unwrap());
    let (two_threads, took) = seconds(two.last().unwrap());
    assert_eq!(took, Some(one_thread), "{stdout}");
    assert!(two_threads < one_thread, "{stdout}");
    assert!(
        stdout.ends_with("the waits overlap, in Python threads too; CPU-bound work is another story: see multicore-demo\n"),
        "{stdout}"
    );
}
