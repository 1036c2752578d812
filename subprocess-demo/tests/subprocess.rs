//! Runs the real subprocess-demo binary and checks what it exists to show.

use std::process::{Command, Output};

const DEMO: &str = env!("CARGO_BIN_EXE_subprocess-demo");

fn stdout_of(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).expect("the demo prints UTF-8")
}

/// The lines after the line `header`, up to and including the next `Exit code:` line.
fn block_after(text: &str, header: &str) -> Vec<String> {
    let mut lines = text.lines().skip_while(|l| *l != header);
    assert!(lines.next().is_some(), "no line {header:?} in:\n{text}");
    let mut block = Vec::new();
    for line in lines {
        block.push(line.to_string());
        if line.starts_with("Exit code:") {
            return block;
        }
    }
    panic!("no exit code after {header:?} in:\n{text}");
}

#[test]
fn runs_a_command_and_reports_its_output_and_exit_code() {
    let out = Command::new(DEMO).output().unwrap();
    assert!(out.status.success(), "{out:?}");
    let text = stdout_of(&out);
    let block = block_after(&text, "$ subprocess-demo --child hello");
    assert_eq!(
        block.len(),
        2,
        "one line of output, then the exit code: {block:?}"
    );
    assert!(
        block[0].starts_with("Hello from child process "),
        "{block:?}"
    );
    assert_eq!(block[1], "Exit code: 0");
}

#[test]
fn stdin_round_trip_is_exact() {
    let out = Command::new(DEMO).output().unwrap();
    assert!(out.status.success(), "{out:?}");
    let text = stdout_of(&out);
    let header = r"$ printf 'set q=mx\npython.org\nexit\n' | subprocess-demo --child upper";
    let block = block_after(&text, header);
    assert_eq!(block, ["SET Q=MX", "PYTHON.ORG", "EXIT", "Exit code: 0"]);
}

#[test]
fn users_command_and_its_nonzero_exit_code() {
    // The demo binary itself is a command every machine has; `--bogus`
    // makes it exit with code 1.
    let out = Command::new(DEMO).args([DEMO, "--bogus"]).output().unwrap();
    assert!(out.status.success(), "the demo itself succeeded: {out:?}");
    let text = stdout_of(&out);
    assert_eq!(
        block_after(&text, &format!("$ {DEMO} --bogus")),
        ["Exit code: 1"]
    );

    let out = Command::new(DEMO)
        .args(["--", DEMO, "--help"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let text = stdout_of(&out);
    let block = block_after(&text, &format!("$ {DEMO} --help"));
    assert!(block[0].starts_with("usage: subprocess-demo"), "{block:?}");
    assert_eq!(block.last().unwrap(), "Exit code: 0");
}

#[test]
fn missing_command_fails_cleanly() {
    let out = Command::new(DEMO)
        .arg("no-such-command-anywhere")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.lines().count(), 1, "one line, no panic trace: {err}");
    assert!(
        err.starts_with("error: could not start no-such-command-anywhere: "),
        "{err}"
    );
}

#[test]
fn bad_option_fails_with_one_error_line() {
    testkit::assert_usage_error(DEMO, &["--bogus"]);
}
