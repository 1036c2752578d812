use std::time::Duration;
use testkit::twin;

const LIMIT: Duration = Duration::from_secs(30);
const DIR: &str = env!("CARGO_MANIFEST_DIR");

/// Python's gather runs both greetings on the event loop's one thread, and they overlap
/// as the Rust tasks do.
#[test]
fn async_io_twin_prints_the_same_lines() {
    let Some(python) = twin::run("async_io", DIR, "async_io.py", &[], &[], LIMIT) else {
        return;
    };
    assert_eq!(python.code, Some(0), "{python:?}");
    let rust = testkit::run_within(env!("CARGO_BIN_EXE_async-io"), &[], LIMIT);
    twin::assert_same_lines(&rust.stdout, &python.stdout);
    let ids: Vec<&str> = python
        .stdout
        .lines()
        .filter_map(|l| l.strip_prefix("Hello ")?.split_once(" (").map(|(_, id)| id))
        .collect();
    assert_eq!(ids.len(), 4, "{python:?}");
    assert!(ids.iter().all(|id| *id == ids[0]), "{ids:?}");
    let alice = testkit::line(&python.stdout, "Hello Alice!");
    assert!(python.stdout.find(alice) < python.stdout.find("Hello Bob again!"));
}

/// The Python wget fetches the three local hosts at once too: the same lines, and the
/// slowest host, asked first, is done last.
#[test]
fn wget_twin_prints_the_same_lines() {
    let Some(python) = twin::run("wget", DIR, "wget.py", &[], &[], LIMIT) else {
        return;
    };
    assert_eq!(python.code, Some(0), "{python:?}");
    let rust = testkit::run_within(env!("CARGO_BIN_EXE_wget"), &[], LIMIT);
    // The hosts finish in an order of their own: the lines are compared in any order.
    twin::assert_same_lines_any_order(&rust.stdout, &python.stdout);
    let text = python.stdout;
    let first = testkit::line_after(&text, "wget ").trim_end_matches("...");
    let done = text.lines().rfind(|l| l.starts_with("Done "));
    assert_eq!(done, Some(format!("Done {first}.").as_str()), "{text}");
    assert!(text.contains("wget: 3 of 3 hosts answered in "), "{text}");
}
