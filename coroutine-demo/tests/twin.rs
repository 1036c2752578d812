use std::time::Duration;
use testkit::{run_within, twin};

/// The Python generator consumer answers each number in turn, as the Rust task does, and
/// its two generators interleave at the same points: with no PID or time in the output,
/// the two runs print the very same text.
#[test]
fn coroutine_demo_twin_prints_the_same_lines() {
    let limit = Duration::from_secs(30);
    let dir = env!("CARGO_MANIFEST_DIR");
    let exe = env!("CARGO_BIN_EXE_coroutine-demo");
    let test = "coroutine_demo";
    let script = "coroutine_demo.py";
    let Some((rust, runs)) = twin::run_both(test, dir, script, &[], exe, run_within, limit) else {
        return;
    };
    twin::each(&runs, |run| {
        let python = &run.out;
        twin::assert_same_lines(&rust.stdout, &python.stdout);
        assert_eq!(python.stdout, rust.stdout);
    });
}
