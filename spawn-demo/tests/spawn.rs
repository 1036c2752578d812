//! Runs the real spawn-demo binary and checks what it exists to show.

use std::process::Command;

fn run() -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_spawn-demo"))
        .output()
        .expect("the demo binary starts");
    assert!(out.status.success(), "{out:?}");
    String::from_utf8(out.stdout).expect("the demo prints UTF-8")
}

/// The rest of the line that starts with `start`.
fn line_after<'a>(text: &'a str, start: &str) -> &'a str {
    let line = text
        .lines()
        .find(|l| l.starts_with(start))
        .unwrap_or_else(|| panic!("no line starting with {start:?} in:\n{text}"));
    &line[start.len()..]
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

#[test]
fn bad_argument_fails_with_one_error_line() {
    let out = Command::new(env!("CARGO_BIN_EXE_spawn-demo"))
        .arg("--bogus")
        .output()
        .expect("the demo binary starts");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.starts_with("error: ") && err.lines().count() == 1,
        "{err}"
    );
}
