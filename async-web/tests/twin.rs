use std::time::Duration;
use testkit::twin;

/// The aiohttp app overlaps its 50 sleeping requests too: the same lines as the Rust
/// demo, and far less time than 50 sleeps one after another. Skips, saying why, where
/// python3 or aiohttp is missing.
#[test]
fn async_web_twin_prints_the_same_lines() {
    let limit = Duration::from_secs(20);
    let dir = env!("CARGO_MANIFEST_DIR");
    let args = ["--demo"];
    let runs = twin::run("async_web", dir, "async_web.py", &args, &["aiohttp"], limit);
    if runs.is_empty() {
        return;
    }
    let rust = testkit::run_within(env!("CARGO_BIN_EXE_async-web"), &args, limit);
    assert_eq!(rust.code, Some(0), "{rust:?}");
    twin::each(&runs, |run| {
        let python = &run.out;
        assert_eq!(python.code, Some(0), "{python:?}");
        twin::assert_same_lines(&rust.stdout, &python.stdout);
        let prefix = "50 requests to /hello/... answered in ";
        let took: f64 = testkit::line_after(&python.stdout, prefix)
            .split(' ')
            .next()
            .and_then(|n| n.parse().ok())
            .expect("a time in seconds");
        assert!((0.5..10.0).contains(&took), "{python:?}");
    });
}
