//! Runs the real subprocess-demo binary and checks what it exists to show.

use std::time::Duration;
use testkit::Outcome;

const DEMO: &str = env!("CARGO_BIN_EXE_subprocess-demo");
/// The demo waits 2 s for a deadlocked child; this is the limit for one whole run.
const LIMIT: Duration = Duration::from_secs(30);

/// The whole demo, which must succeed and leave no process of its own behind.
fn demo() -> String {
    let out = testkit::run_leaving_nothing(DEMO, &[], LIMIT);
    assert_eq!(out.code, Some(0), "{out:?}");
    out.stdout
}

fn run(args: &[&str]) -> Outcome {
    testkit::run_within(DEMO, args, LIMIT)
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

/// The two numbers of a `Read N of M bytes.` line.
fn read_of(line: &str) -> (usize, usize) {
    let (read, total) = line
        .strip_prefix("Read ")
        .and_then(|l| l.strip_suffix(" bytes."))
        .and_then(|l| l.split_once(" of "))
        .unwrap_or_else(|| panic!("not a `Read N of M bytes.` line: {line:?}"));
    let number = |n: &str| {
        n.parse()
            .unwrap_or_else(|_| panic!("not a number in {line:?}"))
    };
    (number(read), number(total))
}

#[test]
fn runs_a_command_and_reports_its_output_and_exit_code() {
    let text = demo();
    let block = block_after(&text, "$ subprocess-demo --child hello");
    assert_eq!(block.len(), 2, "one line, then the exit code: {block:?}");
    let pid: u32 = testkit::number_after(&block[0], "Hello from child process ");
    assert_eq!(block[0], format!("Hello from child process {pid}."));
    assert_eq!(block[1], "Exit code: 0");
}

#[test]
fn stdin_round_trip_is_exact() {
    let text = demo();
    let header = r"$ printf 'set q=mx\npython.org\nexit\n' | subprocess-demo --child upper";
    let block = block_after(&text, header);
    assert_eq!(block, ["SET Q=MX", "PYTHON.ORG", "EXIT", "Exit code: 0"]);
}

#[test]
fn waiting_before_reading_a_large_output_deadlocks_and_the_child_is_killed() {
    let text = demo();
    let block = block_after(
        &text,
        "$ subprocess-demo --child big  # wait for it to exit, then read",
    );
    assert_eq!(block.len(), 3, "{block:?}");
    assert!(
        block[0].starts_with("deadlock: after ") && block[0].ends_with("; killing it"),
        "the demo says it deadlocked: {block:?}"
    );
    let (read, total) = read_of(&block[1]);
    assert!(
        0 < read && read < total,
        "the pipe held some of the output, not all of it: {block:?}"
    );
    #[cfg(unix)]
    assert_eq!(block[2], "Exit code: none (signal: 9 (SIGKILL))");
    #[cfg(not(unix))]
    assert_ne!(block[2], "Exit code: 0");
}

#[test]
fn reading_to_the_end_before_waiting_gets_all_of_it() {
    let text = demo();
    let block = block_after(
        &text,
        "$ subprocess-demo --child big  # read to the end, then wait",
    );
    assert_eq!(block.len(), 2, "{block:?}");
    let (read, total) = read_of(&block[0]);
    assert_eq!(read, total, "every byte read: {block:?}");
    assert!(total > 1 << 16, "more than a Linux pipe holds: {block:?}");
    assert_eq!(block[1], "Exit code: 0");
}

#[test]
fn users_command_with_its_own_options_and_exit_code() {
    // The demo binary itself is a command every machine has. What follows the
    // command's name are its arguments, even those that look like options.
    let out = run(&[DEMO, "--child", "hello"]);
    assert_eq!(out.code, Some(0), "{out:?}");
    let block = block_after(&out.stdout, &format!("$ {DEMO} --child hello"));
    assert_eq!(block.len(), 2, "{block:?}");
    assert!(
        block[0].starts_with("Hello from child process "),
        "{block:?}"
    );
    assert_eq!(block[1], "Exit code: 0");

    // A command that fails: its exit code is printed; the demo itself succeeds.
    let out = run(&["--", DEMO, "--bogus"]);
    assert_eq!(out.code, Some(0), "{out:?}");
    let block = block_after(&out.stdout, &format!("$ {DEMO} --bogus"));
    assert_eq!(block, ["Exit code: 2"]);
}

#[test]
fn missing_command_fails_cleanly() {
    let out = run(&["no-such-command-anywhere"]);
    assert_eq!(out.code, Some(1), "{out:?}");
    assert_eq!(
        out.stderr.lines().count(),
        1,
        "one line, no panic trace: {out:?}"
    );
    assert!(
        out.stderr
            .contains("could not start no-such-command-anywhere: "),
        "{out:?}"
    );
}

#[test]
fn bad_option_is_refused_by_the_parser() {
    let out = run(&["--bogus"]);
    assert_eq!(out.code, Some(2), "{out:?}");
    assert!(out.stdout.is_empty(), "{out:?}");
    assert!(
        out.stderr
            .starts_with("error: unexpected argument '--bogus'"),
        "{out:?}"
    );
}
