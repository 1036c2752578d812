use std::time::Duration;
use testkit::{run_within, twin};

const LIMIT: Duration = Duration::from_secs(30);
const DIR: &str = env!("CARGO_MANIFEST_DIR");

/// The Rust program `exe` and its twin `script` on each interpreter, all exiting 0; `None`
/// when the twin cannot run here (it says why).
fn run_both(test: &str, exe: &str, script: &str) -> Option<(String, Vec<twin::Run>)> {
    let (rust, runs) = twin::run_both(test, DIR, script, &[], exe, run_within, LIMIT)?;
    Some((rust.stdout, runs))
}

/// Python's gather runs both greetings on the event loop's one thread, and they overlap
/// as the Rust tasks do.
#[test]
fn async_io_twin_prints_the_same_lines() {
    let exe = env!("CARGO_BIN_EXE_async-io");
    let Some((rust, runs)) = run_both("async_io", exe, "async_io.py") else {
        return;
    };
    twin::each(&runs, |run| {
        let python = &run.out.stdout;
        twin::assert_same_lines(&rust, python);
        let ids: Vec<&str> = python
            .lines()
            .filter_map(|l| l.strip_prefix("Hello ")?.split_once(" (").map(|(_, id)| id))
            .collect();
        assert_eq!(ids.len(), 4, "{python}");
        assert!(ids.iter().all(|id| *id == ids[0]), "{ids:?}");
        let alice = testkit::line(python, "Hello Alice!");
        assert!(
            python.find(alice) < python.find("Hello Bob again!"),
            "{python}"
        );
    });
}

/// The Python wget fetches the three local hosts at once too: the same lines, and the
/// slowest host, asked first, is done last.
#[test]
fn wget_twin_prints_the_same_lines() {
    let exe = env!("CARGO_BIN_EXE_wget");
    let Some((rust, runs)) = run_both("wget", exe, "wget.py") else {
        return;
    };
    twin::each(&runs, |run| {
        let text = &run.out.stdout;
        // The hosts finish in an order of their own: the lines are compared in any order.
        twin::assert_same_lines_any_order(&rust, text);
        let first = testkit::line_after(text, "wget ").trim_end_matches("...");
        let done = text.lines().rfind(|l| l.starts_with("Done "));
        assert_eq!(done, Some(format!("Done {first}.").as_str()), "{text}");
        assert!(text.contains("wget: 3 of 3 hosts answered in "), "{text}");
    });
}
