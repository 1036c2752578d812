//! The default run beside its Python twin (a `multiprocessing.managers.BaseManager`):
//! the same lines, numbers and the order of concurrent lines aside, and in Python too
//! the killed worker's task goes back to the queue and its result arrives, once.

// Tests may unwrap, helpers included (clippy.toml only covers #[test] functions).
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use testkit::twin;

const LIMIT: Duration = Duration::from_secs(30);

#[test]
fn distributed_demo_twin_prints_the_same_lines() {
    let name = "distributed_demo_twin_prints_the_same_lines";
    let dir = env!("CARGO_MANIFEST_DIR");
    let Some(py) = twin::run(name, dir, "distributed_demo.py", &[], &[], LIMIT) else {
        return;
    };
    assert_eq!(py.code, Some(0), "{py:?}");
    let rust = testkit::run_leaving_nothing(env!("CARGO_BIN_EXE_distributed-demo"), &[], LIMIT);
    twin::assert_same_lines_any_order(&rust.stdout, &py.stdout);

    // Every number put comes back exactly once, squared, the killed one's included.
    let out = &py.stdout;
    let mut put: Vec<u64> = (out.lines())
        .filter_map(|l| {
            l.strip_prefix("Put task ")?
                .strip_suffix("...")?
                .parse()
                .ok()
        })
        .collect();
    let mut got: Vec<u64> = Vec::new();
    for line in out.lines().filter_map(|l| l.strip_prefix("Result: ")) {
        let nums: Vec<u64> = line
            .split([' ', '*', '='])
            .filter_map(|w| w.parse().ok())
            .collect();
        assert_eq!(nums[0] * nums[1], nums[2], "{line}");
        got.push(nums[0]);
    }
    put.sort_unstable();
    got.sort_unstable();
    assert_eq!(put, got, "{out}");
    let killed: u64 = testkit::number_after(out, "Killed worker-1 in the middle of: run task ");
    let lost: u64 = testkit::number_after(out, "lost worker-1 on task ");
    assert_eq!(lost, killed, "{out}");
    let result = testkit::line(out, &format!("Result: {killed} * {killed} = "));
    assert!(!result.ends_with("(from worker-1)"), "{out}");
}
