//! The `deadlock` program: a real deadlock, reported, then the fixed lock order finishing.

use std::time::Duration;
use testkit::number_after;

const EXE: &str = env!("CARGO_BIN_EXE_deadlock");

#[test]
fn the_deadlock_is_reported_then_the_fixed_order_finishes_every_round() {
    // Exit status 0 within a generous limit: the program never hangs on its stuck threads.
    let out = testkit::run_within(EXE, &[], Duration::from_secs(15));
    assert_eq!(out.code, Some(0), "{out:?}");
    let stdout = out.stdout;
    let lines: Vec<&str> = stdout.lines().map(str::trim).collect();
    let at = |l: &str| {
        lines
            .iter()
            .position(|x| *x == l)
            .unwrap_or_else(|| panic!("missing {l:?} in\n{stdout}"))
    };
    let detected = at("deadlock detected: no progress for 1.0 s");
    // Both locks named: who holds which, who waits for which.
    let one = at("thread-1 holds lock A and waits for lock B");
    let two = at("thread-2 holds lock B and waits for lock A");
    let fixed = "with a fixed lock order: done (lock A then lock B, ";
    let done = lines
        .iter()
        .position(|l| l.starts_with(fixed))
        .unwrap_or_else(|| panic!("the fix did not finish:\n{stdout}"));
    assert!(
        detected < one && detected < two && one.max(two) < done,
        "{stdout}"
    );
    // Each thread completed the same, nonzero, number of rounds.
    let by_one: u32 = number_after(&stdout, fixed);
    let by_two: u32 = number_after(&stdout, &format!("{fixed}{by_one} times by thread-1, "));
    assert!(by_one > 0 && by_one == by_two, "{stdout}");
}
