use std::time::Duration;
use testkit::{Outcome, run_within};

const EXE: &str = env!("CARGO_BIN_EXE_threadlocal-demo");

fn run() -> Outcome {
    run_within(EXE, &[], Duration::from_secs(10))
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
    let out = run();
    assert_eq!(out.code, Some(0), "{out:?}");
    let stdout = out.stdout;
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
    let stdout = run().stdout;
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("thread main has no student")),
        "{stdout}"
    );
}
