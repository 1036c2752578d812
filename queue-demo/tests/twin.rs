//! Each program beside its Python twin: the same lines, numbers aside, and the facts the
//! twin exists to show.
// Tests may unwrap: a panic here is a test failure, with its message.
#![allow(clippy::unwrap_used)]
use std::time::Duration;
use testkit::{line, number_after, run_leaving_nothing, run_within, twin};

const DIR: &str = env!("CARGO_MANIFEST_DIR");
/// Each run takes about a second; this only turns a hang into a failure.
const LIMIT: Duration = Duration::from_secs(20);

/// The words between `prefix` and `suffix` on every line shaped `prefix WORD suffix`.
fn items<'a>(text: &'a str, prefix: &str, suffix: &str) -> Vec<&'a str> {
    text.lines()
        .filter_map(|l| l.strip_prefix(prefix)?.strip_suffix(suffix))
        .collect()
}

#[test]
fn queue_demo_py_prints_the_same_lines_and_its_queue_delivers_a_b_c_in_order() {
    let exe = env!("CARGO_BIN_EXE_queue-demo");
    let modules = ["multiprocessing"];
    let test = "queue_demo_py";
    let script = "queue_demo.py";
    let Some((rust, runs)) =
        twin::run_both(test, DIR, script, &modules, exe, run_leaving_nothing, LIMIT)
    else {
        return;
    };
    twin::each(&runs, |run| {
        let python = &run.out;
        // The Rust writer talks on stderr (its stdout is the queue); the two processes' lines
        // interleave differently from run to run.
        twin::assert_same_lines_any_order(&(rust.stderr.clone() + &rust.stdout), &python.stdout);

        let out = &python.stdout;
        assert_eq!(items(out, "Put ", " to queue..."), ["A", "B", "C"]);
        assert_eq!(items(out, "Get ", " from queue."), ["A", "B", "C"]);
        assert_eq!(line(out, "processes: "), "processes: 3 put, 3 got");
        let (writer, reader): (u32, u32) = (
            number_after(out, "Process to write: "),
            number_after(out, "Process to read: "),
        );
        assert_eq!(
            line(out, "Reader process "),
            format!("Reader process {reader} terminated: signal: 9 (SIGKILL)")
        );
        for pid in [writer, reader] {
            #[cfg(target_os = "linux")]
            assert!(
                !std::path::Path::new(&format!("/proc/{pid}")).exists(),
                "process {pid} of the Python twin is still there"
            );
        }
    });
}

#[test]
fn queue_threads_py_prints_the_same_lines_and_every_item_is_got_once() {
    let exe = env!("CARGO_BIN_EXE_queue-threads");
    let test = "queue_threads_py";
    let script = "queue_threads.py";
    let Some((rust, runs)) = twin::run_both(test, DIR, script, &[], exe, run_within, LIMIT) else {
        return;
    };
    twin::each(&runs, |run| {
        let python = &run.out;
        // One line each differs on purpose: Rust's channel closes itself, Python's queue
        // cannot be closed, and the twin says what it does instead.
        let closed = "the channel closed itself when the last sender was dropped";
        let instead = line(&python.stdout, "Python: ");
        assert!(instead.contains("cannot be closed"), "{instead}");
        assert_eq!(line(&rust.stdout, "the channel "), closed);
        twin::assert_same_lines_any_order(
            &twin::without_line(&rust.stdout, closed),
            &twin::without_line(&python.stdout, instead),
        );

        let out = &python.stdout;
        let mut put = items(out, "[producer-1] Put ", " to queue...");
        put.extend(items(out, "[producer-2] Put ", " to queue..."));
        let mut got = items(out, "[consumer-1] Get ", " from queue.");
        got.extend(items(out, "[consumer-2] Get ", " from queue."));
        put.sort_unstable();
        got.sort_unstable();
        assert_eq!(put, ["A1", "A2", "B1", "B2", "C1", "C2"]);
        assert_eq!(got, put);
        assert_eq!(line(out, "threads: "), "threads: 6 put, 6 got");
    });
}
