//! The default run beside its Python twin (a `multiprocessing.managers.BaseManager`):
//! the same lines, numbers and the order of concurrent lines aside, and in Python too
//! the killed worker's task goes back to the queue and its result arrives, once.

// Tests may unwrap, helpers included (clippy.toml only covers #[test] functions).
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::assert_all_results;
use testkit::{run_leaving_nothing, twin};

const LIMIT: Duration = Duration::from_secs(30);

#[test]
fn distributed_demo_twin_prints_the_same_lines() {
    let name = "distributed_demo_twin_prints_the_same_lines";
    let dir = env!("CARGO_MANIFEST_DIR");
    let exe = env!("CARGO_BIN_EXE_distributed-demo");
    let script = "distributed_demo.py";
    let Some((rust, runs)) =
        twin::run_both(name, dir, script, &[], exe, run_leaving_nothing, LIMIT)
    else {
        return;
    };
    twin::each(&runs, |run| {
        let py = &run.out;
        twin::assert_same_lines_any_order(&rust.stdout, &py.stdout);

        // Every number put comes back exactly once, squared, the killed one's included.
        let out = &py.stdout;
        assert_all_results(out, 10);
        let killed: u64 = testkit::number_after(out, "Killed worker-1 in the middle of: run task ");
        let lost: u64 = testkit::number_after(out, "lost worker-1 on task ");
        assert_eq!(lost, killed, "{out}");
        let result = testkit::line(out, &format!("Result: {killed} * {killed} = "));
        assert!(!result.ends_with("(from worker-1)"), "{out}");
    });
}
