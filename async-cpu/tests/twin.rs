//! The Python twin (async_cpu.py) against the Rust program: the same lines once the round
//! names and verdicts are set aside (they differ on purpose: Python's second and third
//! rounds are a thread pool and a process pool), and the fact it exists to show: in Python
//! the event loop stays free only with a process pool.

mod common;

use common::{Server, number_after, sieve_count};
use std::thread;
use std::time::{Duration, Instant};
use testkit::twin;

const LIMIT: Duration = Duration::from_secs(150);

/// A round's line with its name and its verdict set aside: what both programs must share.
fn shape(text: &str) -> String {
    let mut shapes = String::new();
    for line in text.lines() {
        let shaped = match line.split_once(": ") {
            Some((_, rest)) if !line.starts_with("Each round: ") => {
                let rest = rest.rsplit_once(" (").map_or(rest, |(words, _)| words);
                format!("ROUND: {rest}")
            }
            _ => line.to_string(),
        };
        shapes.push_str(&shaped);
        shapes.push('\n');
    }
    shapes
}

#[test]
fn twin_async_cpu() {
    let script = twin::script(env!("CARGO_MANIFEST_DIR"), "async_cpu.py");
    let script = script.to_str().expect("a UTF-8 path");
    let pythons = twin::pythons("twin_async_cpu", &["aiohttp"]);
    if pythons.is_empty() {
        return;
    }
    // Run as twin::run would, and check as well that its worker processes are gone after.
    let runs: Vec<twin::Run> = pythons
        .into_iter()
        .map(|python| twin::Run {
            python,
            method: None,
            out: testkit::run_leaving_nothing(&python.program, &[script], LIMIT),
        })
        .collect();
    let rust = testkit::run_within(env!("CARGO_BIN_EXE_async-cpu"), &[], LIMIT);
    assert_eq!(rust.code, Some(0), "{rust:?}");
    twin::each(&runs, |run| {
        let python = &run.out;
        assert_eq!(python.code, Some(0), "{python:?}");
        // The twin's two lines of its own: what Python does instead of Rust's threads, and
        // that a running process-pool job cannot be stopped (cancel() gives False).
        let lines: Vec<&str> = python.stdout.trim_end().lines().collect();
        let (rounds, own) = lines.split_at(lines.len().saturating_sub(2));
        let gil = "Python threads take turns holding the GIL: only processes count both /primes";
        let threads = match run.python.gil {
            true => format!("{gil} at once."),
            false => format!(
                "{}: threads count both /primes at once too.",
                run.python.build_line()
            ),
        };
        assert_eq!(own[0], threads);
        let cancel =
            "In Python a running process-pool count cannot be stopped: cancel() gave False; ";
        assert!(own[1].starts_with(cancel), "{own:?}");
        twin::assert_same_lines(&shape(&rust.stdout), &shape(&rounds.join("\n")));

        let text = &python.stdout;
        let n: u64 = testkit::number_after(text, "Each round: two /primes/");
        let delay: f64 = (text.split("(sleeps ").nth(1))
            .and_then(|rest| rest.split(' ').next()?.parse().ok())
            .expect("the /hello delay in the first line");
        let mut hello = Vec::new();
        for label in ["inline", "thread pool", "process pool"] {
            let took = number_after(text, &format!("{label}: /hello took "));
            let right = sieve_count(n).to_string();
            let counts = format!("{label}: two /primes/{n} answered {right} and {right} in ");
            // Both counts are right (the line names the sieve's count twice) and took time.
            let all: f64 = number_after(text, &counts);
            assert!(all > 0.0, "{label}: the counts took no time: {text}");
            // The verdict is the figure's (as async_cpu.py judges it), whatever the build.
            let verdict = match took {
                _ if took > 2.0 * delay => "blocked the event loop",
                _ if took > 1.5 * delay => "the loop waited its turns for the GIL",
                _ => "the event loop stayed free",
            };
            let line = format!("{label}: /hello took {took:.2} s while /primes ran ({verdict})");
            assert!(text.lines().any(|l| l == line), "no {line:?} in {text}");
            hello.push(took);
        }
        // Generous: on an idle machine the process pool's /hello is about ten times faster.
        assert!(
            hello[2] < hello[0] / 2.0,
            "process pool /hello not well under inline: {text}"
        );
    });
}

/// `--serve` in Python: the same routes, the same refusals, and Ctrl-C stops it cleanly with
/// its worker processes.
#[cfg(unix)]
#[test]
fn twin_serves_and_stops_on_ctrl_c() {
    let dir = env!("CARGO_MANIFEST_DIR");
    let test = "twin_serves_and_stops_on_ctrl_c";
    let pythons = twin::pythons(test, &["aiohttp"]);
    for (python, way) in pythons
        .iter()
        .flat_map(|p| ["inline", "threads", "processes"].map(|w| (p, w)))
    {
        let mut cmd = python.command(dir, "async_cpu.py", None);
        cmd.args(["--serve", "--port", "0", "--way", way]);
        let server = Server::start(cmd);
        for n in [0, 3, 4, 25, 26, 1000] {
            let expected = format!("{}\n", sieve_count(n));
            assert_eq!(
                server.get(&format!("/primes/{n}")),
                (200, expected),
                "{python}: {way}: {n}"
            );
        }
        assert_eq!(
            server.get("/hello/Bob"),
            (200, "hello, Bob!\n".into()),
            "{python}: {way}"
        );
        for n in ["abc", "-1", "99999999999"] {
            assert_eq!(
                server.get(&format!("/primes/{n}")).0,
                400,
                "{python}: {way}: {n}"
            );
        }
        let pgid = server.pid();
        // Started in the background, this test and the twin inherit SIGINT ignored, and
        // Python cannot catch it; TERM takes the same path out.
        let signal = if testkit::sigint_ignored() {
            twin::skip(
                "twin_serves_and_stops_on_ctrl_c",
                "SIGINT is ignored here: TERM",
            );
            "TERM"
        } else {
            "INT"
        };
        let (code, lines) = server.stop(signal);
        assert_eq!(
            (code, lines),
            (Some(0), vec!["Server stopped.".to_string()]),
            "{python}: {way}"
        );
        // The workers, and multiprocessing's resource tracker, end once the server has
        // exited; give them a moment, as testkit::run_leaving_nothing does.
        let deadline = Instant::now() + Duration::from_secs(5);
        while !testkit::group_members(pgid).is_empty() && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(50));
        }
        let left = testkit::group_members(pgid);
        assert!(left.is_empty(), "{python}: {way}: left behind: {left:?}");
    }
}
