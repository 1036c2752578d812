//! Runs the real binary and checks what the demo exists to show.
// Tests may unwrap: a panic here is a test failure, with its message.
#![allow(clippy::unwrap_used)]
use std::time::Duration;
use testkit::{Outcome, line, run_within};

const EXE: &str = env!("CARGO_BIN_EXE_pipe-demo");

/// Runs pipe-demo; returns (exit code, stdout, stderr). Fails the test past `limit`
/// (a deadlock would never end).
fn run(args: &[&str], limit: Duration) -> (Option<i32>, String, String) {
    let Outcome {
        code,
        stdout,
        stderr,
    } = run_within(EXE, args, limit);
    (code, stdout, stderr)
}

#[test]
fn a_1_mib_payload_comes_back_intact_without_deadlock() {
    // Generous: it takes milliseconds; a deadlock would never end.
    let (code, out, err) = run(&[], Duration::from_secs(20));
    assert_eq!(code, Some(0), "stdout:\n{out}\nstderr:\n{err}");
    let payload = line(&out, "payload: ");
    assert!(
        payload.starts_with("payload: sent 1048576 bytes, got 1048576 bytes back, identical, in "),
        "{payload}"
    );
    // Bytes passed count both directions: at least the payload each way.
    let passed: Vec<usize> = line(&out, "bytes passed: ")
        .split(' ')
        .filter_map(|w| w.parse().ok())
        .collect();
    assert_eq!(passed.len(), 2);
    assert!(passed.iter().all(|&n| n > 1 << 20), "{passed:?}");
}

#[test]
fn each_request_gets_its_reply_from_the_child() {
    let (code, out, err) = run(&["5"], Duration::from_secs(20));
    assert_eq!(code, Some(0), "stderr:\n{err}");
    let header = line(&out, "Parent process ");
    let child: u32 = header.split(' ').nth(7).unwrap().parse().unwrap();
    let rounds: Vec<&str> = out.lines().filter(|l| l.starts_with("round ")).collect();
    assert_eq!(rounds.len(), 5, "{out}");
    for (i, round) in (1..).zip(rounds) {
        let want = format!(
            "round {i}: parent -> child: ping {i} | child -> parent: pong {i} from {child} (round trip "
        );
        assert!(round.starts_with(&want), "{round}");
    }
    // 5 pings and one echo, then the child saw end-of-file and said goodbye.
    assert_eq!(
        line(&out, "parent closed its write end"),
        "parent closed its write end; child -> parent: bye: end-of-file after 6 requests"
    );
    assert_eq!(
        line(&out, "child process "),
        format!("child process {child} exited: exit status: 0")
    );
}

#[test]
fn end_of_file_comes_only_after_every_write_end_is_dropped() {
    let (code, out, err) = run(&["0"], Duration::from_secs(20));
    assert_eq!(code, Some(0), "stderr:\n{err}");
    assert!(out.contains("after 1 requests"), "{out}");
    let waiting = line(&out, "one pipe, two write ends");
    assert!(
        waiting.ends_with("after dropping one, the reader is still waiting"),
        "{waiting}"
    );
    assert_eq!(
        line(&out, "dropped the last write end"),
        "dropped the last write end: the reader got end-of-file after 10 bytes"
    );
}

#[test]
fn bad_rounds_give_one_error_line_and_exit_1() {
    for args in [&["-3"][..], &["abc"], &["1.5"], &["1001"], &["1", "2"]] {
        testkit::assert_usage_error(EXE, args);
    }
    assert!(testkit::assert_help(EXE).starts_with("usage: pipe-demo"));
}
