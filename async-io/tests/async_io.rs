use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::time::Duration;
use testkit::{Outcome, run_within};

const EXE: &str = env!("CARGO_BIN_EXE_async-io");

/// Runs async-io; fails the test if it has not ended within a generous limit.
fn run(args: &[&str]) -> Outcome {
    run_within(EXE, args, Duration::from_secs(60))
}

/// The number that follows `after` in `line`.
fn number_after(line: &str, after: &str) -> f64 {
    let rest = &line[line.find(after).expect("marker in line") + after.len()..];
    let number: String = rest
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    number.parse().expect("a number")
}

#[test]
fn hello_prints_its_two_lines_first() {
    let out = run(&[]);
    let text = out.stdout;
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[..2], ["Hello!", "Hello again!"]);
}

/// Both gather tasks run on one thread, and their sleeps overlap: Alice starts before Bob
/// wakes up, so the whole takes about one delay, not two. The order of the lines shows the
/// overlap whatever the machine's load; the time is only checked to be at least one delay.
#[test]
fn gather_runs_two_tasks_on_one_thread_in_about_one_delay() {
    let out = run(&[]);
    assert_eq!(out.code, Some(0), "{out:?}");
    let text = out.stdout;
    let greetings: Vec<(&str, &str)> = text
        .lines()
        .filter(|l| l.starts_with("Hello Bob") || l.starts_with("Hello Alice"))
        .map(|l| l.rsplit_once(" (").expect("a thread id"))
        .collect();
    let (lines, ids): (Vec<&str>, Vec<&str>) = greetings.into_iter().unzip();
    assert_eq!(
        lines,
        [
            "Hello Bob!",
            "Hello Alice!",
            "Hello Bob again!",
            "Hello Alice again!"
        ],
        "{text}"
    );
    assert!(
        ids.iter().all(|id| *id == ids[0]),
        "thread ids differ: {ids:?}"
    );
    assert!(text.contains("[\"Bob\", \"Alice\"]\n"), "{text}");
    let line = text
        .lines()
        .find(|l| l.starts_with("gather:"))
        .expect("gather line");
    let took = number_after(line, "done in ");
    let delay = number_after(line, "each slept ");
    assert!(took >= delay && delay > 0.0, "{line}");
}

/// With no arguments, wget fetches from the demo's own three local hosts: every one
/// answers with a status line and is done.
#[test]
fn wget_gets_a_status_line_from_every_local_host() {
    let out = run(&[]);
    assert_eq!(out.code, Some(0), "{out:?}");
    let text = out.stdout;
    let hosts: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("wget ")?.strip_suffix("..."))
        .collect();
    assert_eq!(hosts.len(), 3, "{text}");
    for host in hosts {
        assert!(
            text.contains(&format!("{host} header > HTTP/1.1 200 OK\n")),
            "{text}"
        );
        assert!(text.contains(&format!("Done {host}.\n")), "{text}");
    }
    assert!(text.contains("wget: 3 of 3 hosts answered"), "{text}");
}

/// A host that refuses the connection gets one error line and exit code 1, while the host
/// that answers is still fetched in full.
#[test]
fn wget_reports_a_refused_host_and_still_fetches_the_others() {
    let server = TcpListener::bind("127.0.0.1:0").unwrap();
    let good = server.local_addr().unwrap().to_string();
    // A port that was free a moment ago and has no listener now: connecting is refused.
    let refused = {
        let closed = TcpListener::bind("127.0.0.1:0").unwrap();
        closed.local_addr().unwrap().to_string()
    };
    let answering = std::thread::spawn(move || {
        let (stream, _) = server.accept().unwrap();
        let mut reader = BufReader::new(stream);
        let mut line = String::new();
        while reader.read_line(&mut line).unwrap() > 0 && line.trim_end() != "" {
            line.clear();
        }
        let reply = b"HTTP/1.1 200 OK\r\nX-Test: yes\r\n\r\nbody";
        reader.get_mut().write_all(reply).unwrap();
    });

    let out = run(&[&refused, &good]);
    assert_eq!(out.code, Some(1), "{out:?}");
    let text = out.stdout;
    assert!(
        text.contains(&format!("{good} header > HTTP/1.1 200 OK\n")),
        "{text}"
    );
    assert!(
        text.contains(&format!("{good} header > X-Test: yes\n")),
        "{text}"
    );
    assert!(text.contains(&format!("Done {good}.\n")), "{text}");
    assert!(!text.contains(&format!("Done {refused}.")), "{text}");
    answering.join().unwrap();
    let errors: Vec<&str> = out.stderr.lines().collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].starts_with(&format!("error: wget {refused}: ")),
        "{errors:?}"
    );
}

/// `--tasks 100000` runs all those sleeps at once: about one sleep of wall time (checked
/// generously), and a peak memory figure.
#[test]
fn a_hundred_thousand_tasks_sleep_at_once() {
    let out = run(&["--tasks", "100000"]);
    assert_eq!(out.code, Some(0), "{out:?}");
    let text = out.stdout;
    let line = text
        .lines()
        .find(|l| l.starts_with("100000 tasks slept 1 s each in "))
        .expect("tasks line");
    let took = number_after(line, " each in ");
    assert!((1.0..10.0).contains(&took), "{line}");
    assert!(text.contains("peak memory: "), "{text}");
}

#[test]
fn bad_arguments_give_one_error_line_and_exit_1() {
    for args in [
        &["--tasks"][..],
        &["--tasks", "many"],
        &["--tasks", "0"],
        &["--tasks", "1000000000"],
        &["--bogus"],
    ] {
        testkit::assert_usage_error(EXE, args);
    }
    testkit::assert_help(EXE);
}
