//! The three rounds and the server, run for real: the counts are right, inline CPU work
//! stalls /hello and the other two ways do not, the program ends by itself, bad input is
//! refused clearly.

mod common;

use common::{Server, number_after, sieve_count};
use std::process::Command;
use std::time::Duration;

const EXE: &str = env!("CARGO_BIN_EXE_async-cpu");
/// Three rounds of about a second each, in a debug build on a busy shared machine.
const ROUNDS_LIMIT: Duration = Duration::from_secs(150);

#[test]
fn the_sieve_agrees_with_known_counts() {
    let known = [
        (0, 0),
        (2, 0),
        (3, 1),
        (10, 4),
        (100, 25),
        (1_000_000, 78_498),
    ];
    for (n, count) in known {
        assert_eq!(sieve_count(n), count, "primes below {n}");
    }
}

/// The lesson: /hello waits behind /primes computed inline, and not behind /primes in
/// spawn_blocking or on rayon; every count is right; the program stops its servers, exits
/// 0 and leaves no process behind.
#[test]
fn three_rounds_show_the_stall_and_the_cure_then_exit() {
    let out = testkit::run_leaving_nothing(EXE, &[], ROUNDS_LIMIT);
    assert_eq!(out.code, Some(0), "{out:?}");
    assert_eq!(out.stderr, "", "{out:?}");
    let text = &out.stdout;
    let n: u64 = testkit::number_after(text, "Each round: two /primes/");
    let delay: f64 = (text.split("(sleeps ").nth(1))
        .and_then(|rest| rest.split(' ').next()?.parse().ok())
        .expect("the /hello delay in the first line");
    let header = format!("Each round: two /primes/{n} at once, then /hello (sleeps {delay:.1} s)");
    let mut expected = vec![header];
    let mut hello = Vec::new();
    for label in ["inline", "spawn_blocking", "rayon"] {
        let took = number_after(text, &format!("{label}: /hello took "));
        // The verdict is the figure's, not the round's: twice its sleep means it waited. The
        // figure is printed rounded, so right at the threshold either verdict is right.
        let line = testkit::line(text, &format!("{label}: /hello took "));
        let verdict = line
            .rsplit_once(" (")
            .map_or("", |(_, v)| v.trim_end_matches(')'));
        let [blocked, free] = ["blocked the runtime", "the runtime stayed free"];
        let near = (took - 2.0 * delay).abs() < 0.01;
        let right = match took > 2.0 * delay {
            _ if near => [blocked, free].contains(&verdict),
            true => verdict == blocked,
            false => verdict == free,
        };
        assert!(right, "{label}: a verdict that is not the figure's: {line}");
        expected.push(format!(
            "{label}: /hello took {took:.2} s while /primes ran ({verdict})"
        ));
        assert!(
            took >= delay,
            "{label}: /hello answered before its {delay} s sleep: {text}"
        );
        hello.push(took);
        // "216816 and 216816 in 1.21 s"
        let primes = format!("{label}: two /primes/{n} answered ");
        let words: Vec<&str> = testkit::line_after(text, &primes).split(' ').collect();
        let right = sieve_count(n).to_string();
        assert_eq!(
            [words[0], words[2]],
            [&right, &right],
            "{label}: primes below {n}: {text}"
        );
        let all: f64 = words[4].parse().expect("the seconds /primes took");
        expected.push(format!("{primes}{right} and {right} in {all:.2} s"));
    }
    assert_eq!(text.lines().collect::<Vec<_>>(), expected, "{text}");
    // Generous: on an idle machine inline is about five times slower.
    let [inline, spawn_blocking, rayon] = hello[..] else {
        unreachable!()
    };
    assert!(
        spawn_blocking < inline / 2.0,
        "spawn_blocking /hello not well under inline: {text}"
    );
    assert!(
        rayon < inline / 2.0,
        "rayon /hello not well under inline: {text}"
    );
}

fn serve(way: &str) -> Server {
    let mut cmd = Command::new(EXE);
    cmd.args(["--serve", "--port", "0", "--way", way]);
    Server::start(cmd)
}

/// Every way counts right, edges included (0, 1 and 2 have no primes below them; 4 is not
/// prime; 25 is a square), and /hello answers by name.
#[test]
fn serve_counts_right_every_way() {
    for way in ["inline", "spawn_blocking", "rayon"] {
        let server = serve(way);
        for n in [0, 1, 2, 3, 4, 5, 10, 25, 26, 100, 1_000_000] {
            let expected = format!("{}\n", sieve_count(n));
            assert_eq!(
                server.get(&format!("/primes/{n}")),
                (200, expected),
                "{way}: {n}"
            );
        }
        assert_eq!(
            server.get("/hello/Bob"),
            (200, "hello, Bob!\n".into()),
            "{way}"
        );
    }
}

/// What is not a whole number, or is one past the bound, gets a 400 that says why; the
/// bound itself is served; the server goes on answering.
#[test]
fn serve_refuses_bad_or_huge_n_with_400() {
    let server = serve("rayon");
    for n in ["abc", "-1", "1.5", "99999999999999999999999"] {
        let (status, body) = server.get(&format!("/primes/{n}"));
        assert_eq!(status, 400, "{n}: {body}");
        assert!(body.contains(&format!("Cannot parse `{n}`")), "{n}: {body}");
    }
    let (status, body) = server.get("/primes/18446744073709551615"); // u64::MAX
    assert_eq!(status, 400, "{body}");
    let max: u64 = body
        .strip_prefix("n must be at most ")
        .and_then(|rest| rest.trim_end().parse().ok())
        .unwrap_or_else(|| panic!("no bound in {body:?}"));
    let (status, body) = server.get(&format!("/primes/{}", max + 1));
    assert_eq!(
        (status, body.as_str()),
        (400, format!("n must be at most {max}\n").as_str())
    );
    let (status, body) = server.get(&format!("/primes/{max}"));
    assert_eq!((status, body), (200, format!("{}\n", sieve_count(max))));
}

/// Ctrl-C (SIGINT) stops the server: it says so and exits 0.
#[cfg(unix)]
#[test]
fn serve_stops_on_ctrl_c() {
    let server = serve("spawn_blocking");
    assert_eq!(server.get("/primes/10").0, 200);
    let (code, lines) = server.stop("INT");
    assert_eq!(
        (code, lines),
        (Some(0), vec!["Server stopped.".to_string()])
    );
}

/// A port already taken: one error line naming it, exit 1.
#[test]
fn serve_on_a_taken_port_says_so() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let out = testkit::run_within(EXE, &["--serve", "--port", &port], Duration::from_secs(30));
    assert_eq!(out.code, Some(1), "{out:?}");
    assert!(
        out.stderr.contains(&format!("listen on 127.0.0.1:{port}")),
        "{out:?}"
    );
}

/// Bad arguments are clap's errors (exit 2), and --port and --way need --serve.
#[test]
fn bad_arguments_exit_2_with_an_error() {
    let bad: [&[&str]; 5] = [
        &["--port", "http", "--serve"],
        &["--port", "70000", "--serve"],
        &["--serve", "--way", "bogus"],
        &["--port", "8000"],
        &["--bogus"],
    ];
    for args in bad {
        let out = testkit::run_within(EXE, args, Duration::from_secs(30));
        assert_eq!(out.code, Some(2), "{args:?}: {out:?}");
        assert!(
            out.stdout.is_empty() && out.stderr.starts_with("error: "),
            "{out:?}"
        );
    }
    let help = testkit::assert_help(EXE);
    assert!(
        help.contains("--serve") && help.contains("spawn_blocking"),
        "{help}"
    );
}
