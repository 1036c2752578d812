//! cancel-demo's facts, each checked on one run of the program shared by the tests.

mod common;

use std::sync::OnceLock;
use std::time::Duration;

/// What the program printed; it must end on its own, well within the limit, and exit 0.
fn output() -> &'static str {
    static OUTPUT: OnceLock<String> = OnceLock::new();
    OUTPUT.get_or_init(|| {
        let exe = env!("CARGO_BIN_EXE_cancel-demo");
        let out = testkit::run_within(exe, &[], Duration::from_secs(60));
        assert_eq!(out.code, Some(0), "{out:?}");
        assert_eq!(out.stderr, "", "{out:?}");
        out.stdout
    })
}

#[test]
fn a_timeout_stops_the_steps_at_their_await() {
    common::a_timeout_stops_the_steps_at_their_await(output());
}

#[test]
fn only_the_read_that_is_not_cancel_safe_loses_bytes() {
    common::only_the_read_that_is_not_cancel_safe_loses_bytes(output());
}

#[test]
fn a_dropped_join_set_cancels_the_tasks_left_in_it() {
    common::a_failed_task_cancels_its_siblings(output());
}

#[test]
fn only_the_task_asked_to_stop_cleans_up() {
    common::only_the_task_asked_to_stop_cleans_up(output());
}

#[test]
fn blocking_work_runs_on_unless_it_checks_a_flag() {
    common::blocking_work_runs_on_unless_it_checks_a_flag(output());
}

/// Nothing else is printed: every line belongs to one of the five parts, in their order.
#[test]
fn the_parts_run_in_order_and_print_nothing_else() {
    let parts: Vec<&str> = output()
        .lines()
        .map(|l| l.split([':', ' ']).next().expect("a first word"))
        .collect();
    let mut order = parts.clone();
    order.dedup();
    assert_eq!(
        order,
        ["timeout", "race", "group", "stop", "blocking"],
        "{parts:?}"
    );
}
