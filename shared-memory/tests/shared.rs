//! Runs the real binary and checks what the demo exists to show.
// Tests may unwrap: a panic here is a test failure, with its message.
#![allow(clippy::unwrap_used)]
#![cfg(unix)]
use std::time::Duration;
use testkit::{line, number_after, run_leaving_nothing};

const EXE: &str = env!("CARGO_BIN_EXE_shared-memory");
const START: i64 = 200;

/// Runs shared-memory, checks it succeeded and left no process behind (every child forked
/// is reaped), and returns its stdout.
fn run() -> String {
    // It takes about a second; the limit only turns a hang into a failure.
    let out = run_leaving_nothing(EXE, &[], Duration::from_secs(20));
    assert_eq!(out.code, Some(0), "{out:?}");
    out.stdout
}

#[test]
fn with_fetch_add_the_balance_is_exactly_the_start_value() {
    let out = run();
    assert_eq!(
        line(&out, "fetch_add: "),
        format!("fetch_add: Balance is {START}")
    );
}

#[test]
fn the_racy_balance_is_reported_honestly() {
    let out = run();
    // The number of updates each process makes, as the first line says.
    let first = line(&out, "Balance starts at ");
    let updates: u64 = first
        .strip_suffix(" times each.")
        .and_then(|rest| rest.rsplit(' ').next())
        .unwrap()
        .parse()
        .unwrap();
    assert!(updates > 0, "{first}");
    // Never assert it is wrong: by chance it may come out right.
    let balance: i64 = number_after(&out, "load then store: Balance is ");
    let lost = balance.abs_diff(START);
    assert!(lost <= updates, "{out}");
    assert_eq!(
        line(&out, "load then store: "),
        format!("load then store: Balance is {balance} (at least {lost} updates lost)")
    );
}

#[test]
fn the_parent_reads_the_array_the_child_squared() {
    let out = run();
    assert_eq!(
        line(&out, "the child squared "),
        "the child squared [2, 3, 5]; the parent reads [4, 9, 25]"
    );
}
