//! The program beside its Python twin: the same lines, numbers aside, and the facts the
//! twin exists to show, under each of multiprocessing's start methods.
// Tests may unwrap: a panic here is a test failure, with its message.
#![allow(clippy::unwrap_used)]
#![cfg(unix)]
use std::time::Duration;
use testkit::{line, number_after, run_leaving_nothing, twin};

/// Each run takes a second or two; this only turns a hang into a failure.
const LIMIT: Duration = Duration::from_secs(20);

#[test]
fn shared_memory_py_prints_the_same_lines_and_its_lock_keeps_the_balance_exact() {
    let dir = env!("CARGO_MANIFEST_DIR");
    let exe = env!("CARGO_BIN_EXE_shared-memory");
    let script = "shared_memory.py";
    let test = "shared_memory_py";
    let Some((rust, runs)) =
        twin::run_both_methods(test, dir, script, exe, run_leaving_nothing, LIMIT)
    else {
        return;
    };
    twin::each(&runs, |run| {
        let out = &run.without_start_method();
        // One line differs on purpose: Rust's fetch_add has no Python equivalent, and the twin
        // says what it does instead.
        let atomic = line(&rust.stdout, "fetch_add: ");
        let instead = line(out, "Python has no atomic add");
        twin::assert_same_lines(
            &twin::without_line(&rust.stdout, atomic),
            &twin::without_line(out, instead),
        );

        assert!(instead.ends_with(": Balance is 200"), "{instead}");
        let balance: i64 = number_after(out, "load then store: Balance is ");
        assert_eq!(
            line(out, "load then store: "),
            format!(
                "load then store: Balance is {balance} (at least {} updates lost)",
                balance.abs_diff(200)
            )
        );
        assert_eq!(
            line(out, "the child squared "),
            "the child squared [2, 3, 5]; the parent reads [4, 9, 25]"
        );
    });
}
