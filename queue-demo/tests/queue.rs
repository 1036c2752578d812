//! Runs the real binary and checks what the demo exists to show.
// Tests may unwrap: a panic here is a test failure, with its message.
#![allow(clippy::unwrap_used)]
use std::process::{Command, Stdio};
use std::time::Duration;
use testkit::{Outcome, number_after, run_within};

const EXE: &str = env!("CARGO_BIN_EXE_queue-demo");

/// Runs queue-demo; returns (exit code, stdout, stderr). Fails the test past `limit`.
fn run(args: &[&str], limit: Duration) -> (Option<i32>, String, String) {
    let Outcome {
        code,
        stdout,
        stderr,
    } = run_within(EXE, args, limit);
    (code, stdout, stderr)
}

/// The words between `prefix` and `suffix` on every line shaped `prefix WORD suffix`.
fn items(text: &str, prefix: &str, suffix: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| {
            l.strip_prefix(prefix)?
                .strip_suffix(suffix)
                .map(str::to_owned)
        })
        .collect()
}

#[test]
fn every_item_put_is_got_in_order_and_the_reader_is_terminated_and_reaped() {
    let (code, out, err) = run(&[], Duration::from_secs(30));
    assert_eq!(code, Some(0), "stdout:\n{out}\nstderr:\n{err}");
    // The writer's lines come on stderr (its stdout is the queue), the reader's on stdout.
    assert_eq!(items(&err, "Put ", " to queue..."), ["A", "B", "C"]);
    assert_eq!(items(&out, "Get ", " from queue."), ["A", "B", "C"]);
    assert!(out.contains("processes: 3 put, 3 got"), "{out}");

    let writer: u32 = number_after(&err, "Process to write: ");
    assert_eq!(number_after::<u32>(&out, "Writer process "), writer);
    let reader: u32 = number_after(&out, "Process to read: ");
    assert_ne!(reader, writer);
    assert_eq!(number_after::<u32>(&out, "Reader process "), reader);
    // It was terminated (it never ends by itself), not merely found finished.
    let terminated = testkit::line(&out, "Reader process ");
    #[cfg(unix)]
    assert!(terminated.ends_with("signal: 9 (SIGKILL)"), "{terminated}");
    // Reaped by the parent: no process, not even a zombie, is left with its PID.
    #[cfg(target_os = "linux")]
    assert!(
        !std::path::Path::new(&format!("/proc/{reader}")).exists(),
        "reader {reader} is still there"
    );
}

#[test]
fn threads_every_item_put_is_got_exactly_once() {
    let (code, out, err) = run(&[], Duration::from_secs(30));
    assert_eq!(code, Some(0), "stderr:\n{err}");
    let mut put = items(&out, "[producer-1] Put ", " to channel...");
    put.extend(items(&out, "[producer-2] Put ", " to channel..."));
    let mut got = items(&out, "[consumer-1] Get ", " from channel.");
    got.extend(items(&out, "[consumer-2] Get ", " from channel."));
    put.sort();
    got.sort();
    assert_eq!(put, ["A1", "A2", "B1", "B2", "C1", "C2"]);
    assert_eq!(got, put);
    assert!(out.contains("threads: 6 put, 6 got"), "{out}");
}

#[test]
fn bad_arguments_give_one_error_line_and_exit_1() {
    for args in [&["-3"][..], &["abc"], &["writer", "x"]] {
        testkit::assert_usage_error(EXE, args);
    }
    assert!(testkit::assert_help(EXE).starts_with("usage: queue-demo"));
}

#[test]
fn a_corrupt_frame_length_is_refused_not_allocated() {
    use std::io::Write;
    let mut reader = Command::new(EXE)
        .arg("reader")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // A length of 4 GiB - 1 and then end-of-file: refused before any body is read.
    let mut stdin = reader.stdin.take().unwrap();
    stdin.write_all(&[0xff; 4]).unwrap();
    drop(stdin);
    let out = reader.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err, "error: reader: message too long\n");
}
