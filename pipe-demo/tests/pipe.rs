//! Runs the real binary and checks what the demo exists to show.
// Tests may unwrap: a panic here is a test failure, with its message.
#![allow(clippy::unwrap_used)]
use std::time::Duration;
use testkit::{Outcome, line, number_after, run_leaving_nothing, run_with_input, run_within};

const EXE: &str = env!("CARGO_BIN_EXE_pipe-demo");
/// The demo takes a fraction of a second; a deadlock would never end.
const LIMIT: Duration = Duration::from_secs(20);
const PAYLOAD: usize = 1 << 20;

/// Runs pipe-demo; checks it succeeded and left no process behind; returns its stdout.
fn run() -> String {
    let Outcome {
        code,
        stdout,
        stderr,
    } = run_leaving_nothing(EXE, &[], LIMIT);
    assert_eq!(code, Some(0), "stdout:\n{stdout}\nstderr:\n{stderr}");
    stdout
}

#[test]
fn a_1_mib_payload_comes_back_intact_without_deadlock() {
    let out = run();
    let took: u64 = number_after(
        &out,
        "payload: sent 1048576 bytes, got 1048576 bytes back, identical, in ",
    );
    assert_eq!(
        line(&out, "payload: "),
        format!("payload: sent 1048576 bytes, got 1048576 bytes back, identical, in {took} µs")
    );
    // Every byte each way is counted: the three pings, the echo header and the payload
    // out; the three pongs, the payload and the goodbye back.
    let child: u32 = number_after(&out, "child process ");
    let pings: usize = (1..=3).map(|i| format!("ping {i}\n").len()).sum();
    let pongs: usize = (1..=3)
        .map(|i| format!("pong {i} from {child}\n").len())
        .sum();
    let sent = pings + "echo 1048576\n".len() + PAYLOAD;
    let got = pongs + PAYLOAD + "bye: end-of-file after 4 requests\n".len();
    assert_eq!(
        line(&out, "bytes passed: "),
        format!("bytes passed: {sent} parent -> child, {got} child -> parent")
    );
}

#[test]
fn each_request_gets_its_reply_from_the_child_which_exits_at_end_of_file() {
    let out = run();
    let (parent, child): (u32, u32) = (
        number_after(&out, "Parent process "),
        number_after(&out, "child process "),
    );
    assert_ne!(parent, child);
    assert_eq!(
        line(&out, "Parent process "),
        format!("Parent process {parent} talks to child process {child} over two pipes.")
    );
    let rounds: Vec<&str> = out.lines().filter(|l| l.starts_with("round ")).collect();
    assert_eq!(rounds.len(), 3, "{out}");
    for (i, round) in (1..).zip(rounds) {
        let want = format!(
            "round {i}: parent -> child: ping {i} | child -> parent: pong {i} from {child} (round trip "
        );
        assert!(round.starts_with(&want), "{round}");
        assert!(round.ends_with(" µs)"), "{round}");
    }
    // 3 pings and one echo, then the child saw end-of-file and said goodbye.
    assert_eq!(
        line(&out, "parent closed its write end"),
        "parent closed its write end; child -> parent: bye: end-of-file after 4 requests"
    );
    assert_eq!(
        line(&out, "child process "),
        format!("child process {child} exited: exit status: 0")
    );
}

#[test]
fn end_of_file_comes_only_after_every_write_end_is_dropped() {
    let out = run();
    assert_eq!(
        line(&out, "one pipe, two write ends"),
        "one pipe, two write ends: after dropping one, the reader is still waiting"
    );
    assert_eq!(
        line(&out, "dropped the last write end"),
        "dropped the last write end: the reader got end-of-file after 10 bytes"
    );
}

#[test]
fn an_unknown_argument_is_refused() {
    // `+3` was once taken as 3 rounds; the demo now takes no argument at all.
    let out = run_within(EXE, &["+3"], LIMIT);
    assert_eq!(out.code, Some(1), "{out:?}");
    assert!(out.stdout.is_empty(), "{out:?}");
    assert!(out.stderr.contains("unexpected argument '+3'"), "{out:?}");
}

/// Runs the child role with `requests` on its stdin (then end-of-file), under a time limit.
/// At most 1 MiB of its stdout is kept: a child that wrote for ever would then block, and
/// the limit ends it.
fn child_given(requests: &[u8]) -> Outcome {
    run_with_input(EXE, &["child"], requests, 1 << 20, Duration::from_secs(10))
}

#[test]
fn the_child_answers_each_request_and_says_goodbye_at_end_of_file() {
    // A ping, an echo of exactly 5 bytes (no newline of its own), and a request it does
    // not know.
    let out = child_given(b"ping 7\necho 5\nhellowhat\n");
    assert_eq!(out.code, Some(0), "{out:?}");
    let text = out.stdout;
    let child: u32 = number_after(&text, "pong 7 from ");
    assert_eq!(
        text,
        format!(
            "pong 7 from {child}\nhellounknown request \"what\\n\"\nbye: end-of-file after 3 requests\n"
        )
    );
}

#[test]
fn a_payload_cut_short_is_an_error() {
    let out = child_given(b"echo 5\nhel");
    assert_eq!(out.code, Some(1), "{out:?}");
    assert_eq!(out.stdout, "hel");
}
