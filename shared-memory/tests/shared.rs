//! Runs the real binary and checks what the demo exists to show.
// Tests may unwrap: a panic here is a test failure, with its message.
#![allow(clippy::unwrap_used)]
#![cfg(unix)]
use std::time::Duration;
use testkit::{Outcome, line, run_within};

const EXE: &str = env!("CARGO_BIN_EXE_shared-memory");
const START: i64 = 200;

/// Runs shared-memory; returns (exit code, stdout, stderr). Fails the test past 60 s
/// (it takes about a second).
fn run(args: &[&str]) -> (Option<i32>, String, String) {
    let Outcome {
        code,
        stdout,
        stderr,
    } = run_within(EXE, args, Duration::from_secs(60));
    (code, stdout, stderr)
}

#[test]
fn with_fetch_add_the_balance_is_exactly_the_start_value() {
    for args in [&[][..], &["1000"], &["0"]] {
        let (code, out, err) = run(args);
        assert_eq!(code, Some(0), "{args:?}: {err}");
        assert_eq!(
            line(&out, "fetch_add: "),
            format!("fetch_add: Balance is {START}")
        );
    }
}

#[test]
fn the_racy_balance_is_reported_honestly() {
    // Never assert it is wrong: by chance it may come out right.
    let updates = 1_000_000;
    let (code, out, err) = run(&["1000000"]);
    assert_eq!(code, Some(0), "{err}");
    let racy = line(&out, "load then store: Balance is ");
    let balance: i64 = racy.split(' ').nth(5).unwrap().parse().unwrap();
    assert!((balance - START).abs() <= updates, "{racy}");
    let lost = (balance - START).unsigned_abs();
    if lost == 0 {
        assert!(
            racy.ends_with("(no net loss this time: run it again)"),
            "{racy}"
        );
    } else {
        assert!(
            racy.ends_with(&format!("(at least {lost} updates lost)")),
            "{racy}"
        );
    }
}

#[test]
fn the_parent_reads_the_array_the_child_squared() {
    let (code, out, err) = run(&[]);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        line(&out, "the child squared ").ends_with("[2, 3, 5]; the parent reads [4, 9, 25]"),
        "{out}"
    );
}

#[test]
fn bad_updates_give_one_error_line_and_exit_1() {
    for args in [&["-5"][..], &["abc"], &["100000001"], &["1", "2"]] {
        testkit::assert_usage_error(EXE, args);
    }
    assert!(testkit::assert_help(EXE).starts_with("usage: shared-memory"));
}
