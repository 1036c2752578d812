//! The race and its fixes (`lock-deadlock`): what each line says was done, and its balance.

use std::time::Duration;
use testkit::number_after;

const EXE: &str = env!("CARGO_BIN_EXE_lock-deadlock");

/// The demo's stdout; fails the test unless it exits 0 by itself within a generous limit.
fn run() -> String {
    let out = testkit::run_within(EXE, &[], Duration::from_secs(15));
    assert_eq!(out.code, Some(0), "{out:?}");
    out.stdout
}

/// `(balance, changes)` from the line `<what>: balance = B after C changes...`.
fn balance_and_changes(out: &str, what: &str) -> (i64, u64) {
    let balance = number_after(out, &format!("{what}: balance = "));
    let changes = number_after(out, &format!("{what}: balance = {balance} after "));
    (balance, changes)
}

#[test]
fn one_thread_alone_loses_no_update_so_the_counting_is_right() {
    let out = run();
    let (balance, changes) = balance_and_changes(&out, "split load/store, 1 thread");
    assert_eq!(balance, 0, "{out}");
    assert!(changes > 0, "{out}");
    let lost: u64 = number_after(
        &out,
        &format!("split load/store, 1 thread: balance = 0 after {changes} changes (lost updates: "),
    );
    assert_eq!(lost, 0, "{out}");
}

#[test]
fn mutex_and_fetch_add_give_exactly_zero_after_every_change_of_two_threads() {
    let out = run();
    // Two threads make twice the changes of one: each line reports work really done.
    let (_, one_thread) = balance_and_changes(&out, "split load/store, 1 thread");
    assert!(one_thread > 0, "{out}");
    for what in ["split load/store, 2 threads", "Mutex", "fetch_add"] {
        let (balance, changes) = balance_and_changes(&out, what);
        assert_eq!(changes, 2 * one_thread, "{what} in\n{out}");
        if what != "split load/store, 2 threads" {
            assert_eq!(balance, 0, "{what} in\n{out}");
        }
    }
}

#[test]
fn a_wrong_two_thread_balance_comes_with_lost_updates_counted() {
    let out = run();
    let (balance, changes) = balance_and_changes(&out, "split load/store, 2 threads");
    let lost: u64 = number_after(
        &out,
        &format!(
            "split load/store, 2 threads: balance = {balance} after {changes} changes (lost updates: "
        ),
    );
    // Every change is undone by its thread, so the balance can only be off if updates were
    // lost, and then the count must have seen at least one. (A nonzero balance is likely but
    // not certain, so it is not required.)
    if balance != 0 {
        assert!(lost > 0, "{out}");
    }
    assert!(lost <= changes, "{out}");
    // A run that lost nothing says so, and only such a run.
    assert_eq!(
        out.contains("no update was lost this time"),
        lost == 0,
        "{out}"
    );
}

#[test]
fn the_refused_naive_version_is_named() {
    let out = run();
    assert!(
        out.starts_with(
            "naive: `balance += n` on one plain i64 from 2 threads does not compile (E0499)\n"
        ),
        "{out}"
    );
}
