//! Runs the real fork-demo binary and checks what it exists to show.
#![cfg(unix)]

use std::time::Duration;

/// The number between the first `(` and `)` after `prefix` on a line that
/// starts with `prefix`.
fn number_after(output: &str, prefix: &str, after: &str) -> u32 {
    let line = output
        .lines()
        .find(|l| l.starts_with(prefix))
        .unwrap_or_else(|| panic!("no line starting with {prefix:?} in:\n{output}"));
    let rest = &line[line.find(after).expect("marker on the line") + after.len()..];
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits
        .parse()
        .unwrap_or_else(|_| panic!("no number after {after:?} in {line:?}"))
}

#[test]
fn child_knows_its_parent_and_exits_with_status_0() {
    // The child is reaped, not just ended: no process of the demo is left behind.
    let out = testkit::run_leaving_nothing(
        env!("CARGO_BIN_EXE_fork-demo"),
        &[],
        Duration::from_secs(30),
    );
    assert_eq!(out.code, Some(0), "{out:?}");
    let text = out.stdout;

    let parent = number_after(&text, "Process (", "Process (");
    let created = number_after(&text, "I (", "child process (");
    let parent_says = number_after(&text, "I (", "I (");
    let child = number_after(&text, "I am child process (", "child process (");
    let childs_parent = number_after(&text, "I am child process (", "my parent is ");
    let reaped = number_after(&text, "Child process (", "Child process (");
    let status = number_after(&text, "Child process (", "with status ");

    assert_eq!(
        parent_says, parent,
        "the parent branch runs in the first process"
    );
    assert_eq!(
        childs_parent, parent,
        "the child's parent is the process that forked"
    );
    assert_ne!(child, parent, "fork made a second process");
    assert_eq!(
        created, child,
        "fork returned the child's PID to the parent"
    );
    assert_eq!(reaped, child, "waitpid reaped that child");
    assert_eq!(status, 0, "the child exited with status 0");
    assert_eq!(
        text.lines().count(),
        4,
        "four lines, none printed twice by the child:\n{text}"
    );
    assert!(
        text.lines().last().unwrap().starts_with("Child process ("),
        "the parent reports the child only once it has ended:\n{text}"
    );
}
