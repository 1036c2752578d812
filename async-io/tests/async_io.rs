use std::time::Duration;
use testkit::{Outcome, run_within};

/// Runs async-io; fails the test if it has not ended within a generous limit.
fn run() -> Outcome {
    let out = run_within(env!("CARGO_BIN_EXE_async-io"), &[], Duration::from_secs(30));
    assert_eq!(out.code, Some(0), "{out:?}");
    out
}

/// The number (digits and a point) right after `after` in `line`.
fn number_after(line: &str, after: &str) -> f64 {
    let rest = &line[line.find(after).expect("marker in line") + after.len()..];
    let number: String = rest
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    number.parse().expect("a number")
}

#[test]
fn hello_prints_its_two_lines_first() {
    let text = run().stdout;
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[..2], ["Hello!", "Hello again!"]);
}

/// Both gather tasks run on one thread, and their sleeps overlap: Alice starts before Bob
/// wakes up, so the whole takes about one delay, not two. The order of the lines shows the
/// overlap whatever the machine's load; the time is only checked to be at least one delay.
#[test]
fn gather_runs_two_tasks_on_one_thread_in_about_one_delay() {
    let text = run().stdout;
    let greetings: Vec<(&str, &str)> = text
        .lines()
        .filter(|l| l.starts_with("Hello Bob") || l.starts_with("Hello Alice"))
        .map(|l| l.rsplit_once(" (").expect("a thread id"))
        .collect();
    let (lines, ids): (Vec<&str>, Vec<&str>) = greetings.into_iter().unzip();
    assert_eq!(
        lines,
        [
            "Hello Bob!",
            "Hello Alice!",
            "Hello Bob again!",
            "Hello Alice again!"
        ],
        "{text}"
    );
    assert!(
        ids.iter().all(|id| *id == ids[0]),
        "thread ids differ: {ids:?}"
    );
    // gather's results come back in the order the tasks were given.
    assert!(text.contains("\ngather returned: Bob, Alice\n"), "{text}");
    let line = testkit::line(&text, "gather:");
    let took = number_after(line, "done in ");
    let delay = number_after(line, "each slept ");
    assert!(took >= delay && delay > 0.0, "{line}");
}
