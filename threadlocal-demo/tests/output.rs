use std::process::{Command, Output};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_threadlocal-demo"))
        .args(args)
        .output()
        .expect("the demo starts")
}

/// The `(student, thread)` pairs greeted on lines that start with `prefix`, sorted.
fn greetings(stdout: &str, prefix: &str) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = stdout
        .lines()
        .filter_map(|l| l.strip_prefix(prefix)?.strip_prefix("Hello, "))
        .map(|rest| {
            let (name, thread) = rest.split_once(" (in ").expect("a thread name");
            (name.to_owned(), thread.trim_end_matches(')').to_owned())
        })
        .collect();
    pairs.sort();
    pairs
}

#[test]
fn each_student_is_greeted_in_its_own_thread() {
    let out = run(&[]);
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    let expected = vec![
        ("Alice".to_owned(), "Thread-A".to_owned()),
        ("Bob".to_owned(), "Thread-B".to_owned()),
    ];
    // Thread-local storage, then the two rejected alternatives: same pairs, once each.
    for prefix in ["", "passed down: ", "global map: "] {
        assert_eq!(
            greetings(&stdout, prefix),
            expected,
            "prefix {prefix:?} in\n{stdout}"
        );
    }
}

#[test]
fn the_main_thread_does_not_see_the_other_threads_values() {
    let stdout = String::from_utf8(run(&[]).stdout).unwrap();
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("thread main has no student")),
        "{stdout}"
    );
}

#[test]
fn help_exits_0_and_bad_argument_exits_1() {
    let help = run(&["--help"]);
    assert!(help.status.success());
    assert!(
        String::from_utf8(help.stdout)
            .unwrap()
            .starts_with("usage: threadlocal-demo")
    );
    let bad = run(&["--nope"]);
    assert_eq!(bad.status.code(), Some(1));
    let stderr = String::from_utf8(bad.stderr).unwrap();
    assert!(
        stderr.starts_with("error: ") && stderr.contains("--nope"),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1);
}
