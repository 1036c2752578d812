//! The program beside its Python twin: the same lines, numbers aside, and the facts the
//! twin exists to show.
// Tests may unwrap: a panic here is a test failure, with its message.
#![allow(clippy::unwrap_used)]
use std::time::Duration;
use testkit::{line, number_after, run_leaving_nothing, twin};

/// Each run takes about a second; this only turns a deadlock into a failure.
const LIMIT: Duration = Duration::from_secs(20);

#[test]
fn pipe_demo_py_prints_the_same_lines_and_its_payload_comes_back_intact() {
    let dir = env!("CARGO_MANIFEST_DIR");
    let exe = env!("CARGO_BIN_EXE_pipe-demo");
    let test = "pipe_demo_py";
    let script = "pipe_demo.py";
    let Some((rust, runs)) =
        twin::run_both(test, dir, script, &[], exe, run_leaving_nothing, LIMIT)
    else {
        return;
    };
    twin::each(&runs, |run| {
        let python = &run.out;
        twin::assert_same_lines(&rust.stdout, &python.stdout);

        let out = &python.stdout;
        assert!(
            line(out, "payload: ")
                .starts_with("payload: sent 1048576 bytes, got 1048576 bytes back, identical, in "),
            "{out}"
        );
        let child: u32 = number_after(out, "child process ");
        for i in 1..=3 {
            let round = line(out, &format!("round {i}: "));
            let want = format!(
                "round {i}: parent -> child: ping {i} | child -> parent: pong {i} from {child} (round trip "
            );
            assert!(round.starts_with(&want), "{round}");
        }
        assert_eq!(
            line(out, "parent closed its write end"),
            "parent closed its write end; child -> parent: bye: end-of-file after 4 requests"
        );
        assert_eq!(
            line(out, "child process "),
            format!("child process {child} exited: exit status: 0")
        );
        // Both programs pass exactly the same bytes parent -> child.
        assert_eq!(
            line(out, "bytes passed: ").split(',').next(),
            line(&rust.stdout, "bytes passed: ").split(',').next()
        );
        assert_eq!(
            line(out, "dropped the last write end"),
            "dropped the last write end: the reader got end-of-file after 10 bytes"
        );
        #[cfg(target_os = "linux")]
        assert!(!std::path::Path::new(&format!("/proc/{child}")).exists());
    });
}
