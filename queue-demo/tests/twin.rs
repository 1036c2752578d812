//! Each program beside its Python twin: the same lines, numbers aside, and the facts the
//! twin exists to show, on each interpreter (and for queue_demo.py, under each of
//! multiprocessing's start methods).
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
    let test = "queue_demo_py";
    let script = "queue_demo.py";
    let Some((rust, runs)) =
        twin::run_both_methods(test, DIR, script, exe, run_leaving_nothing, LIMIT)
    else {
        return;
    };
    // The Rust writer talks on stderr (its stdout is the queue).
    let rust = format!("{}{}", rust.stderr, rust.stdout);
    twin::each(&runs, |run| {
        let out = &run.without_start_method();
        // The two processes' lines interleave differently from run to run.
        twin::assert_same_lines_any_order(&rust, out);

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
    // One line each differs on purpose: Rust's channel closes itself; Python closes its
    // queue with shutdown() from 3.13, and before that cannot, and says what it does.
    let closed = "the channel closed itself when the last sender was dropped";
    assert_eq!(line(&rust.stdout, "the channel "), closed);
    twin::each(&runs, |run| {
        let out = &run.out.stdout;
        let instead = if run.python.at_least(3, 13) {
            "Python: q.shutdown() closed it after the producers; each consumer stopped at ShutDown"
        } else {
            "Python: a queue.Queue cannot be closed before 3.13, so each consumer stopped at a \
             None put for it"
        };
        assert_eq!(line(out, "Python: "), instead);
        twin::assert_same_lines_any_order(
            &twin::without_line(&rust.stdout, closed),
            &twin::without_line(out, instead),
        );

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
