//! Runs the real spawn-demo binary and checks what it exists to show.

use std::time::Duration;
use testkit::line_after;

const EXE: &str = env!("CARGO_BIN_EXE_spawn-demo");

fn run() -> String {
    // Nothing of the demo may be left running once it has exited.
    let out = testkit::run_leaving_nothing(EXE, &[], Duration::from_secs(30));
    assert_eq!(out.code, Some(0), "{out:?}");
    out.stdout
}

/// The text between `start` and `end` on the line that starts with `start`.
fn between<'a>(text: &'a str, start: &str, end: &str) -> &'a str {
    let rest = line_after(text, start);
    &rest[..rest
        .find(end)
        .unwrap_or_else(|| panic!("no {end:?} in {rest:?}"))]
}

#[test]
fn child_is_another_process_and_parent_waits_for_it() {
    let text = run();
    let parent: u32 = between(&text, "Parent process ", ".").parse().unwrap();
    let child: u32 = between(&text, "Run child process test (", ")")
        .parse()
        .unwrap();
    assert_ne!(child, parent, "the child runs in a process of its own");

    let pos = |needle: &str| text.find(needle).unwrap_or_else(|| panic!("no {needle:?}"));
    assert!(
        pos("Run child process test") < pos("Child process end."),
        "the parent waited for the child before going on:\n{text}"
    );
}

#[test]
fn childs_change_to_the_global_does_not_reach_the_parent() {
    let text = run();
    let parent = between(&text, "Parent process ", ".");
    let child = between(&text, "Run child process test (", ")");

    let (child_pid, child_result) = line_after(&text, "Result (in child process ")
        .split_once("): ")
        .unwrap();
    assert_eq!(child_pid, child);
    assert_eq!(child_result, "[1, 4, 9, 16]", "the child filled its global");

    let (parent_pid, parent_result) = line_after(&text, "Result (in parent process ")
        .split_once("): ")
        .unwrap();
    assert_eq!(parent_pid, parent);
    assert_eq!(parent_result, "[]", "the parent's global is unchanged");
}
