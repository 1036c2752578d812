//! Runs the real binaries and checks what the demos exist to show.
// Tests may unwrap: a panic here is a test failure, with its message.
#![allow(clippy::unwrap_used)]
use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use testkit::{Outcome, number_after, run_leaving_nothing, run_with_input, run_within};

const EXE: &str = env!("CARGO_BIN_EXE_queue-demo");
const THREADS: &str = env!("CARGO_BIN_EXE_queue-threads");
/// The demos take well under a second; this only turns a hang into a failure.
const LIMIT: Duration = Duration::from_secs(20);

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
    // Fails if any process of the demo is left once it has exited.
    let Outcome {
        code,
        stdout: out,
        stderr: err,
    } = run_leaving_nothing(EXE, &[], LIMIT);
    assert_eq!(code, Some(0), "stdout:\n{out}\nstderr:\n{err}");
    // The writer's lines come on stderr (its stdout is the queue), the reader's on stdout.
    assert_eq!(items(&err, "Put ", " to queue..."), ["A", "B", "C"]);
    assert_eq!(items(&out, "Get ", " from queue."), ["A", "B", "C"]);
    assert_eq!(
        testkit::line(&out, "processes: "),
        "processes: 3 put, 3 got"
    );

    let writer: u32 = number_after(&err, "Process to write: ");
    assert_eq!(
        testkit::line(&out, "Writer process "),
        format!("Writer process {writer} finished: exit status: 0")
    );
    let reader: u32 = number_after(&out, "Process to read: ");
    assert_ne!(reader, writer);
    // It was terminated (it never ends by itself), not merely found finished.
    #[cfg(unix)]
    assert_eq!(
        testkit::line(&out, "Reader process "),
        format!("Reader process {reader} terminated: signal: 9 (SIGKILL)")
    );
    // Reaped: no process, not even a zombie, is left with its PID.
    #[cfg(target_os = "linux")]
    assert!(
        !std::path::Path::new(&format!("/proc/{reader}")).exists(),
        "reader {reader} is still there"
    );
}

#[test]
fn threads_every_item_put_is_got_exactly_once() {
    let Outcome { code, stdout, .. } = run_within(THREADS, &[], LIMIT);
    assert_eq!(code, Some(0), "{stdout}");
    let mut put = items(&stdout, "[producer-1] Put ", " to queue...");
    put.extend(items(&stdout, "[producer-2] Put ", " to queue..."));
    let mut got = items(&stdout, "[consumer-1] Get ", " from queue.");
    got.extend(items(&stdout, "[consumer-2] Get ", " from queue."));
    put.sort();
    got.sort();
    assert_eq!(put, ["A1", "A2", "B1", "B2", "C1", "C2"]);
    assert_eq!(got, put);
    let summary: Vec<&str> = stdout.lines().rev().take(2).collect();
    assert_eq!(
        summary,
        [
            "the channel closed itself when the last sender was dropped",
            "threads: 6 put, 6 got",
        ]
    );
}

#[test]
fn an_unknown_argument_is_refused() {
    let out = run_within(EXE, &["+3"], LIMIT);
    assert_eq!(out.code, Some(1), "{out:?}");
    assert!(out.stdout.is_empty(), "{out:?}");
    assert!(out.stderr.contains("unexpected argument '+3'"), "{out:?}");
}

/// Runs the reader role with `input` as its queue (then end-of-file), under a time limit.
/// At most 2 MiB of its stdout is kept: a reader that printed for ever would then block,
/// and the limit ends it.
fn reader_given(input: &[u8]) -> Outcome {
    run_with_input(EXE, &["reader"], input, 2 << 20, Duration::from_secs(10))
}

#[test]
fn a_corrupt_frame_length_is_refused_not_allocated() {
    // A length of 4 GiB - 1 and then end-of-file: refused before any body is read.
    let out = reader_given(&[0xff; 4]);
    assert_eq!(out.code, Some(1), "{out:?}");
    assert!(out.stderr.contains("message too long"), "{out:?}");
}

#[test]
fn a_frame_of_the_largest_size_is_got_whole_and_end_of_file_ends_the_reader() {
    let largest = 1 << 20;
    let mut input = u32::to_be_bytes(largest).to_vec();
    input.extend(std::iter::repeat_n(b'x', largest as usize));
    let out = reader_given(&input);
    assert_eq!(out.code, Some(0), "{out:?}");
    let got = items(&out.stdout, "Get ", " from queue.");
    assert_eq!(got.len(), 1);
    assert_eq!(got[0], "x".repeat(largest as usize));
}

#[cfg(unix)]
#[test]
fn a_read_error_is_not_taken_for_end_of_file() {
    // Reading a directory fails (EISDIR): the reader must say so, not stop quietly.
    let out = run_within("sh", &["-c", "exec \"$0\" reader < /", EXE], LIMIT);
    assert_eq!(out.code, Some(1), "{out:?}");
    assert!(out.stderr.contains("IsADirectory"), "{out:?}");
}

#[cfg(target_os = "linux")]
#[test]
fn a_writer_that_dies_makes_the_demo_stop_the_reader_and_fail() {
    let mut demo = Command::new(EXE);
    std::os::unix::process::CommandExt::process_group(&mut demo, 0);
    let mut demo = (demo.stdout(Stdio::piped()).stderr(Stdio::piped()))
        .spawn()
        .unwrap();
    let stop_all = |pgid: u32| {
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{pgid}")])
            .status();
    };
    // The writer's first line, read on another thread so that waiting for it has a limit.
    // The thread then reads the rest: a closed stderr would make the writer's next line
    // fail, and the writer end with a panic before the test kills it.
    let err = BufReader::new(demo.stderr.take().unwrap());
    let (first_tx, first_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut lines = err.lines();
        let _ = first_tx.send(lines.next());
        lines.for_each(drop);
    });
    let Ok(Some(Ok(first))) = first_rx.recv_timeout(LIMIT) else {
        stop_all(demo.id());
        panic!("the writer did not say who it is");
    };
    let writer: u32 = number_after(&first, "Process to write: ");
    let killed = Command::new("kill")
        .args(["-KILL", &writer.to_string()])
        .status()
        .unwrap();
    assert!(killed.success());

    let deadline = Instant::now() + LIMIT;
    let status = loop {
        if let Some(status) = demo.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            stop_all(demo.id());
            let _ = demo.wait();
            panic!("the demo still runs {LIMIT:?} after its writer died");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut out = String::new();
    demo.stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    assert_eq!(status.code(), Some(1), "{out}");
    assert_eq!(
        testkit::line(&out, "Writer process "),
        format!("Writer process {writer} finished: signal: 9 (SIGKILL)")
    );
    // The reader was stopped and reaped: nothing of the demo's process group remains.
    let deadline = Instant::now() + Duration::from_secs(5);
    while !testkit::group_members(demo.id()).is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(testkit::group_members(demo.id()), Vec::<u32>::new());
}
