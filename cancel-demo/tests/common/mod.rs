//! The facts cancel-demo exists to show, checked on what the program or its Python twin
//! printed: both print the same lines, so one check serves both.
#![allow(dead_code)] // cancel.rs checks the facts one by one, twin.rs all at once.

/// Every number in `line` (digits with an optional fraction), in order.
fn numbers(line: &str) -> Vec<f64> {
    line.split(|c: char| !c.is_ascii_digit() && c != '.')
        .filter_map(|word| word.trim_matches('.').parse().ok())
        .collect()
}

/// The lines of `text` that start with `part` (`"timeout: "`).
fn part<'a>(text: &'a str, part: &str) -> Vec<&'a str> {
    text.lines().filter(|l| l.starts_with(part)).collect()
}

/// The steps done before the timeout stay done; step 3, running when it came, never ends,
/// not even after more time than it needed.
pub fn a_timeout_stops_the_steps_at_their_await(text: &str) {
    let lines = part(text, "timeout: ");
    assert_eq!(lines.len(), 7, "{text}");
    assert_eq!(
        lines[..5],
        [
            "timeout: step 1 started",
            "timeout: step 1 done",
            "timeout: step 2 started",
            "timeout: step 2 done",
            "timeout: step 3 started",
        ],
        "{text}"
    );
    assert!(lines[5].starts_with("timeout: gave up after "), "{text}");
    assert!(lines[6].ends_with(" s later, 2 of 3 steps done"), "{text}");
}

/// Beside a timer, the read whose buffer is dropped with it loses bytes and breaks lines;
/// the read whose partial line outlives each turn loses none.
pub fn only_the_read_that_is_not_cancel_safe_loses_bytes(text: &str) {
    for (how, safe) in [("is not", false), ("is", true)] {
        let line = testkit::line(text, &format!("race: a read that {how} cancel safe: "));
        let [lines, whole, lost, sent] = numbers(line)[..] else {
            panic!("not four numbers in {line:?}");
        };
        assert!(sent > lines && lines > 0.0, "{line}");
        if safe {
            assert_eq!((whole, lost), (lines, 0.0), "{line}");
        } else {
            assert!(lost > 0.0 && whole < lines, "{line}");
        }
    }
}

/// C ends before A fails; A's failure is reported, then the one task it cancelled, B.
pub fn a_failed_task_cancels_its_siblings(text: &str) {
    assert_eq!(
        part(text, "group: "),
        [
            "group: C finished",
            "group: A failed: disk full",
            "group: cancelled: B"
        ],
        "{text}"
    );
}

/// The task asked to stop says it is saving its items and saves them all; the aborted one
/// says nothing and saves nothing.
pub fn only_the_task_asked_to_stop_cleans_up(text: &str) {
    let saving: u32 = testkit::number_after(text, "stop: asked to stop, saving ");
    assert!(saving > 0, "{text}");
    assert_eq!(
        part(text, "stop: "),
        [
            format!("stop: asked to stop, saving {saving} items"),
            "stop: aborted: cancelled before it saved anything".into(),
            format!("stop: asked to stop: {saving} items saved"),
        ],
        "{text}"
    );
}

/// A blocking job burns CPU after its caller gave up on it, unless it looks at a flag the
/// caller sets. Generous bounds: the job takes about a second of CPU, and looks at the flag
/// every few milliseconds.
pub fn blocking_work_runs_on_unless_it_checks_a_flag(text: &str) {
    let mut burned = Vec::new();
    for how in ["blocking: ", "blocking with a stop flag: "] {
        let line = testkit::line(text, how);
        let [waited, cpu] = numbers(line)[..] else {
            panic!("not two numbers in {line:?}");
        };
        assert!(waited >= 0.1, "{line}");
        burned.push(cpu);
    }
    assert!(burned[1] < 0.1, "the job did not stop at the flag: {text}");
    assert!(
        burned[0] > burned[1] + 0.2,
        "the job stopped by itself: {text}"
    );
}

/// Every fact above.
pub fn check_every_fact(text: &str) {
    a_timeout_stops_the_steps_at_their_await(text);
    only_the_read_that_is_not_cancel_safe_loses_bytes(text);
    a_failed_task_cancels_its_siblings(text);
    only_the_task_asked_to_stop_cleans_up(text);
    blocking_work_runs_on_unless_it_checks_a_flag(text);
}
