//! The Python twin (cancel_demo.py) against the Rust program: the same lines, numbers
//! aside, and the same facts, on every interpreter here.

mod common;

use std::time::Duration;
use testkit::{run_within, twin};

const LIMIT: Duration = Duration::from_secs(60);

#[test]
fn cancel_demo_twin_prints_the_same_lines_and_shows_the_same_facts() {
    let exe = env!("CARGO_BIN_EXE_cancel-demo");
    let dir = env!("CARGO_MANIFEST_DIR");
    let test = "cancel_demo_twin_prints_the_same_lines_and_shows_the_same_facts";
    let Some((rust, runs)) =
        twin::run_both(test, dir, "cancel_demo.py", &[], exe, run_within, LIMIT)
    else {
        return;
    };
    twin::each(&runs, |run| {
        twin::assert_same_lines(&rust.stdout, &run.out.stdout);
        common::check_every_fact(&run.out.stdout);
    });
}
