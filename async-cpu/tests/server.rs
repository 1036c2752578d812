//! The server's limits, tried as a hostile or impatient client would: a count whose client
//! has gone stops, counts past the bound are refused with 503, an idle connection is closed
//! once its request head is late, and a second Ctrl-C does not wait for anything.

mod common;

use common::Server;
use std::io::Read;
use std::net::TcpStream;
use std::process::Command;
use std::thread;
use std::time::{Duration, Instant};

const EXE: &str = env!("CARGO_BIN_EXE_async-cpu");
/// The server's own limits (src/server.rs): a request head must arrive within 10 s, and
/// after Ctrl-C the requests in flight get 3 s.
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
const SHUTDOWN_GRACE: Duration = Duration::from_secs(3);
/// As many requests as an impatient crowd sends; more than the server counts at once.
const CROWD: usize = 20;

fn serve(way: &str) -> Server {
    let mut cmd = Command::new(EXE);
    cmd.args(["--serve", "--port", "0", "--way", way]);
    Server::start(cmd)
}

/// The largest n the server counts, as its 400 says: the longest count it does.
fn largest_n(server: &Server) -> u64 {
    let (_, body) = server.get(&format!("/primes/{}", u64::MAX));
    let max = body.strip_prefix("n must be at most ").map(str::trim_end);
    max.and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no bound in {body:?}"))
}

/// CROWD requests for the longest count, sent at once, each reading with a time limit.
fn crowd(server: &Server, read_limit: Duration) -> Vec<TcpStream> {
    let request = format!(
        "GET /primes/{} HTTP/1.1\r\nHost: x\r\n\r\n",
        largest_n(server)
    );
    (0..CROWD)
        .map(|_| server.send(&request, read_limit))
        .collect()
}

/// What came back within the read limit: Some(the answer) or None (still counting).
fn answer(mut stream: TcpStream) -> Option<String> {
    let mut buffer = [0; 1024];
    let read = stream.read(&mut buffer).ok()?;
    Some(String::from_utf8_lossy(&buffer[..read]).into_owned())
}

/// Past the bound, /primes is refused at once with 503 and a reason naming the bound; the
/// counts within it go on.
#[test]
fn counts_past_the_bound_get_503_with_a_reason() {
    let server = serve("spawn_blocking");
    // Every answer is read, however fast the machine counts: the 503s come at once, the
    // counts within the bound when they are done.
    let answers: Vec<_> = crowd(&server, Duration::from_secs(60))
        .into_iter()
        .map(answer)
        .collect();
    let (refused, counted): (Vec<&String>, Vec<&String>) = answers
        .iter()
        .flatten()
        .partition(|a| a.starts_with("HTTP/1.1 503 "));
    assert!(
        counted.iter().all(|a| a.starts_with("HTTP/1.1 200 OK\r\n")),
        "{answers:?}"
    );
    let bound: usize = refused
        .first()
        .and_then(|a| a.split("busy: ").nth(1)?.split(' ').next()?.parse().ok())
        .unwrap_or_else(|| panic!("no 503 with a bound among {answers:?}"));
    for answer in &refused {
        assert!(
            answer.starts_with("HTTP/1.1 503 Service Unavailable\r\n"),
            "{answer}"
        );
        let reason =
            format!("\r\n\r\nbusy: {bound} counts are running or waiting; try again later\n");
        assert!(answer.ends_with(&reason), "{answer}");
    }
    assert!(bound < CROWD, "{answers:?}");
    assert_eq!(refused.len(), CROWD - bound, "{answers:?}");
    assert_eq!(counted.len(), bound, "{answers:?}");
}

/// The lesson of cancellation: CROWD clients ask for the longest count and leave after a
/// moment. The counts they started stop at their next chunk, so the server spends almost no
/// CPU after they left, and takes new counts again at once.
#[cfg(target_os = "linux")]
#[test]
fn counts_stop_when_their_clients_leave() {
    for way in ["spawn_blocking", "rayon"] {
        let server = serve(way);
        let clients = crowd(&server, Duration::from_secs(1));
        let (start, counting) = (server.cpu_seconds(), Instant::now());
        // The counts run: 0.2 CPU-s of them take 0.1 s on an idle machine; a starved one is
        // given up to 20 s to show it.
        let deadline = counting + Duration::from_secs(20);
        while server.cpu_seconds() - start < 0.2 && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(50));
        }
        let before = server.cpu_seconds() - start;
        let rate = before / counting.elapsed().as_secs_f64(); // CPU-s a second while counting
        drop(clients);
        thread::sleep(Duration::from_millis(200)); // For the server to see them go.
        let left = server.cpu_seconds();
        thread::sleep(Duration::from_secs(3));
        let after = server.cpu_seconds() - left;
        eprintln!(
            "{way}: {before:.2} CPU-s before the clients left ({rate:.2} a second), \
             {after:.2} CPU-s in 3 s after"
        );
        // The counts were running: the test tested something.
        assert!(before >= 0.2, "{way}: only {before} CPU-s while counting");
        // Uncancelled, the counts would go on at that rate for these 3 s. Cancelled, the
        // server idles: under half of it, and under 0.5 CPU-s however fast the machine.
        let uncancelled = rate * 3.0;
        if uncancelled < 0.1 {
            testkit::twin::skip(
                "counts_stop_when_their_clients_leave",
                &format!(
                    "{way}: the machine gave the counts {rate:.3} CPU-s a second, too little to tell"
                ),
            );
            continue;
        }
        assert!(
            after < (uncancelled / 2.0).min(0.5),
            "{way}: {after} CPU-s after the clients left, against {uncancelled:.2} uncancelled"
        );
        // Their permits are back: a new count is served, not refused.
        assert_eq!(
            server.get("/primes/100"),
            (200, "25\n".to_string()),
            "{way}"
        );
    }
}

/// A connection that never sends its request head is closed after HEADER_READ_TIMEOUT,
/// so idle connections cannot hold the server's file descriptors for ever.
#[test]
fn an_idle_connection_is_closed_once_its_request_head_is_late() {
    let server = serve("spawn_blocking");
    let start = Instant::now();
    let idle = server.send("GET /hello/Bob HTTP/1.1\r\nHost:", HEADER_READ_TIMEOUT * 3);
    let closed = answer(idle);
    let took = start.elapsed();
    // Closed by the server: end of file, or hyper's 408, not our read's time limit.
    assert!(
        closed
            .as_ref()
            .is_some_and(|a| a.is_empty() || a.contains(" 408 ")),
        "{closed:?}"
    );
    assert!(took >= HEADER_READ_TIMEOUT / 2, "closed after {took:?}");
    assert!(took < HEADER_READ_TIMEOUT * 2, "closed after {took:?}");
    assert_eq!(server.get("/hello/Bob"), (200, "hello, Bob!\n".to_string()));
}

/// Ctrl-C gives a count in flight SHUTDOWN_GRACE; a second Ctrl-C exits at once.
#[cfg(unix)]
#[test]
fn a_second_ctrl_c_exits_at_once() {
    let server = serve("spawn_blocking");
    let _in_flight = crowd(&server, Duration::from_secs(30));
    thread::sleep(Duration::from_millis(300)); // For the counts to start.
    server.signal("INT");
    thread::sleep(Duration::from_millis(500)); // For the server to take the first.
    server.signal("INT");
    let second = Instant::now();
    let (code, lines) = server.exit_within(Duration::from_secs(20));
    let took = second.elapsed();
    assert_eq!(
        (code, lines),
        (Some(0), vec!["Server stopped at once.".to_string()])
    );
    assert!(
        took < SHUTDOWN_GRACE / 2,
        "exited {took:?} after the second Ctrl-C"
    );
}
