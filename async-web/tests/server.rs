use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, ChildStdout, Command, ExitStatus, Stdio};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

const EXE: &str = env!("CARGO_BIN_EXE_async-web");
/// The server's own limits (src/main.rs): a request head must arrive within 10 s, and
/// after Ctrl-C open connections get 3 s.
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
const SHUTDOWN_GRACE: Duration = Duration::from_secs(3);

/// The server as a child process on an OS-chosen port; killed and reaped when dropped.
struct Server {
    child: Child,
    stdout: BufReader<ChildStdout>,
    stderr: Option<JoinHandle<String>>,
    port: u16,
}

impl Server {
    fn start() -> Server {
        let mut cmd = Command::new(EXE);
        cmd.args(["--port", "0"]);
        Server::start_with(cmd)
    }

    /// The server, allowed only `fds` open file descriptors (`ulimit -n`).
    fn start_with_fd_limit(fds: usize) -> Server {
        let mut cmd = Command::new("sh");
        let script = format!("ulimit -n {fds} && exec \"$0\" --port 0");
        cmd.args(["-c", &script, EXE]);
        Server::start_with(cmd)
    }

    fn start_with(mut cmd: Command) -> Server {
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start async-web");
        let mut stderr = child.stderr.take().expect("piped stderr");
        let stderr = thread::spawn(move || {
            let mut text = String::new();
            let _ = stderr.read_to_string(&mut text);
            text
        });
        let mut stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
        let mut line = String::new();
        stdout.read_line(&mut line).expect("read the first line");
        // "Server started at http://127.0.0.1:PORT..."
        let port = line
            .trim_end()
            .strip_prefix("Server started at http://127.0.0.1:")
            .and_then(|rest| rest.strip_suffix("..."))
            .and_then(|port| port.parse().ok());
        let Some(port) = port else {
            let _ = child.kill();
            let _ = child.wait();
            panic!("unexpected first line: {line:?}");
        };
        Server {
            child,
            stdout,
            stderr: Some(stderr),
            port,
        }
    }

    fn connect(&self) -> TcpStream {
        let stream = TcpStream::connect(("127.0.0.1", self.port)).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .expect("set a timeout");
        stream
    }

    /// Sends `request` as is and returns the whole answer (the server closes after it).
    fn send(&self, request: &str) -> String {
        let mut stream = self.connect();
        stream.write_all(request.as_bytes()).expect("send");
        let mut answer = String::new();
        stream.read_to_string(&mut answer).expect("read the answer");
        answer
    }

    fn get(&self, path: &str) -> String {
        self.send(&get(path))
    }

    /// A connection that has sent part of a request head and then nothing more.
    fn half_sent_request(&self) -> TcpStream {
        let mut client = self.connect();
        client
            .write_all(b"GET / HTTP/1.1\r\nHost: 127.0.")
            .expect("send half a request");
        // Time for the server to accept it and start reading.
        thread::sleep(Duration::from_millis(200));
        client
    }

    /// Sends Ctrl-C (SIGINT), as a terminal would.
    fn interrupt(&self) {
        let pid = self.child.id().to_string();
        let kill = Command::new("kill").args(["-INT", &pid]).status();
        assert!(kill.expect("run kill").success());
    }

    /// Waits for the server to exit by itself within `limit`; returns its exit status,
    /// when it exited, and what it printed after its first line.
    fn exit_within(&mut self, limit: Duration) -> (ExitStatus, Instant, String) {
        let deadline = Instant::now() + limit;
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("wait for async-web") {
                break status;
            }
            assert!(Instant::now() < deadline, "still running after {limit:?}");
            thread::sleep(Duration::from_millis(20));
        };
        let exited = Instant::now();
        let mut rest = String::new();
        self.stdout.read_to_string(&mut rest).expect("read stdout");
        (status, exited, rest)
    }

    /// Everything the server printed on stderr (call after it has exited or been killed).
    fn stderr(&mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let reader = self.stderr.take().expect("stderr read once");
        reader.join().expect("stderr reader")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn get(path: &str) -> String {
    format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
}

fn status_and_body(answer: &str) -> (&str, &str) {
    let (head, body) = answer.split_once("\r\n\r\n").expect("a head and a body");
    (head.lines().next().expect("a status line"), body)
}

#[test]
fn index_page() {
    let server = Server::start();
    let answer = server.get("/");
    assert_eq!(
        status_and_body(&answer),
        ("HTTP/1.1 200 OK", "<h1>Index</h1>")
    );
}

#[test]
fn hello_bob_after_a_delay() {
    let server = Server::start();
    let start = Instant::now();
    let answer = server.get("/hello/Bob");
    assert!(start.elapsed() >= Duration::from_millis(500), "no delay");
    assert_eq!(
        status_and_body(&answer),
        ("HTTP/1.1 200 OK", "<h1>hello, Bob!</h1>")
    );
}

#[test]
fn unknown_path_is_404() {
    let server = Server::start();
    for path in ["/nope", "/hello/", "/hello/Bob/extra"] {
        let answer = server.get(path);
        assert_eq!(
            status_and_body(&answer).0,
            "HTTP/1.1 404 Not Found",
            "{path}"
        );
    }
}

/// A name is text, never markup: `<script>`, quotes and `&` come back escaped.
#[test]
fn name_is_html_escaped() {
    let server = Server::start();
    let answer = server.get("/hello/%3Cscript%3Ealert(%22hi%22)%3C%2Fscript%3E%26%27");
    assert_eq!(
        status_and_body(&answer),
        (
            "HTTP/1.1 200 OK",
            "<h1>hello, &lt;script&gt;alert(&quot;hi&quot;)&lt;/script&gt;&amp;&#39;!</h1>"
        )
    );
}

/// 50 requests at once, each waiting 0.5 s, take far less than 50 x 0.5 s = 25 s
/// (checked generously: under 10 s).
#[test]
fn fifty_concurrent_requests_overlap() {
    let server = Server::start();
    let start = Instant::now();
    let answers: Vec<String> = thread::scope(|scope| {
        let clients: Vec<_> = (0..50)
            .map(|i| {
                let server = &server;
                scope.spawn(move || server.get(&format!("/hello/user{i}")))
            })
            .collect();
        clients.into_iter().map(|c| c.join().unwrap()).collect()
    });
    let took = start.elapsed();
    for (i, answer) in answers.iter().enumerate() {
        let expected = format!("<h1>hello, user{i}!</h1>");
        assert_eq!(
            status_and_body(answer),
            ("HTTP/1.1 200 OK", expected.as_str())
        );
    }
    assert!(took < Duration::from_secs(10), "took {took:?}");
}

/// Garbage on one connection gets a 400 at most; the server goes on answering.
#[test]
fn malformed_request_does_not_stop_the_server() {
    let server = Server::start();
    for garbage in ["THIS IS NOT HTTP\r\n\r\n", "GET /\r\nHost: \0\0\0\r\n\r\n"] {
        let answer = server.send(garbage);
        assert!(
            answer.is_empty() || answer.starts_with("HTTP/1.1 400"),
            "{answer}"
        );
    }
    assert_eq!(status_and_body(&server.get("/")).1, "<h1>Index</h1>");
}

/// Ctrl-C with no connection open: the server stops at once, says so and exits 0.
#[test]
fn ctrl_c_stops_the_server_cleanly() {
    let mut server = Server::start();
    assert_eq!(status_and_body(&server.get("/")).1, "<h1>Index</h1>");
    server.interrupt();
    let (status, _, rest) = server.exit_within(Duration::from_secs(10));
    assert!(status.success(), "{status:?}");
    assert_eq!(rest, "Server stopped.\n");
}

/// A request in flight when Ctrl-C comes is still answered in full before the server
/// stops.
#[test]
fn ctrl_c_lets_a_request_in_flight_finish() {
    let mut server = Server::start();
    let mut client = server.connect();
    client.write_all(get("/hello/Bob").as_bytes()).unwrap();
    // Long enough for the server to have read the request, well short of its 0.5 s sleep.
    thread::sleep(Duration::from_millis(200));
    server.interrupt();
    let mut answer = String::new();
    client.read_to_string(&mut answer).unwrap();
    assert_eq!(status_and_body(&answer).1, "<h1>hello, Bob!</h1>");
    let (status, _, rest) = server.exit_within(Duration::from_secs(10));
    assert!(status.success(), "{status:?}");
    assert_eq!(rest, "Server stopped.\n");
}

/// A client holding a half-sent request does not keep the server running: Ctrl-C gives
/// it SHUTDOWN_GRACE, then the process exits, before the head's own time limit would
/// have closed that connection.
#[test]
fn ctrl_c_exits_within_a_few_seconds_while_a_request_is_half_sent() {
    let mut server = Server::start();
    let _client = server.half_sent_request();
    let interrupted = Instant::now();
    server.interrupt();
    let (status, exited, rest) = server.exit_within(HEADER_READ_TIMEOUT);
    assert!(status.success(), "{status:?}");
    assert_eq!(
        rest,
        "Server stopped: connections still open after 3 s were cut.\n"
    );
    let took = exited - interrupted;
    assert!(took >= SHUTDOWN_GRACE, "exited {took:?} after Ctrl-C");
}

/// A second Ctrl-C does not wait for the grace period.
#[test]
fn a_second_ctrl_c_exits_at_once() {
    let mut server = Server::start();
    let _client = server.half_sent_request();
    server.interrupt();
    thread::sleep(Duration::from_millis(500));
    server.interrupt();
    let (status, _, rest) = server.exit_within(Duration::from_secs(10));
    assert!(status.success(), "{status:?}");
    assert_eq!(rest, "Server stopped at once.\n");
}

/// With only 64 file descriptors, all taken by idle connections and more idle ones
/// waiting ahead of it, a real request is still answered: the idle ones are closed when
/// their request head is late, which frees descriptors for the connections waiting to be
/// accepted. Without that limit the real request would wait for ever.
#[cfg(target_os = "linux")]
#[test]
fn a_flood_of_idle_connections_does_not_lock_out_a_real_request() {
    const FD_LIMIT: usize = 64;
    let mut server = Server::start_with_fd_limit(FD_LIMIT);
    // What the server has open already (it may inherit some): the rest can be taken.
    let open = std::fs::read_dir(format!("/proc/{}/fd", server.child.id()))
        .expect("the server's open files")
        .count();
    // Enough to take every free descriptor, and ten more waiting to be accepted: after
    // one round of time limits, the real request is among those accepted next.
    let idle: Vec<TcpStream> = (open..FD_LIMIT + 10).map(|_| server.connect()).collect();
    let start = Instant::now();
    let answer = server.get("/");
    let took = start.elapsed();
    assert_eq!(status_and_body(&answer).1, "<h1>Index</h1>");
    // About one HEADER_READ_TIMEOUT; the bound is generous, and far below forever.
    assert!(took < HEADER_READ_TIMEOUT * 2, "answered after {took:?}");
    // The flood did reach the limit, so the test tested something.
    assert!(
        server
            .stderr()
            .contains("error: accept: Too many open files"),
        "the server never ran out of file descriptors"
    );
    drop(idle);
}

/// `--demo` serves, sends itself 50 requests, reports the time and stops by itself.
#[test]
fn demo_mode_answers_fifty_requests_in_well_under_fifty_delays() {
    let out = testkit::run_within(EXE, &["--demo"], Duration::from_secs(20));
    assert_eq!(out.code, Some(0), "{out:?}");
    let text = out.stdout;
    let prefix = "50 requests to /hello/... answered in ";
    let numbers: Vec<f64> = testkit::line_after(&text, prefix)
        .split(' ')
        .filter_map(|word| word.trim_end_matches(';').parse().ok())
        .collect();
    let [took, each, in_a_row] = numbers[..] else {
        panic!("three numbers expected in {text}");
    };
    assert!(each >= 0.5 && took >= each && took < 10.0, "{text}");
    assert!((in_a_row - 50.0 * each).abs() < 0.1, "{text}");
    assert!(text.ends_with("Server stopped.\n"), "{text}");
}

/// A port in use is a clear error naming it, and exit code 1; a port that is not a
/// number is refused by the argument parser (exit code 2).
#[test]
fn a_busy_port_or_a_bad_one_is_a_clear_error() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let out = testkit::run_within(EXE, &["--port", &port], Duration::from_secs(30));
    assert_eq!(out.code, Some(1), "{out:?}");
    let expected = format!("listen on 127.0.0.1:{port}: Address already in use");
    assert!(out.stderr.contains(&expected), "{out:?}");
    let out = testkit::run_within(EXE, &["--port", "http"], Duration::from_secs(30));
    assert_eq!(out.code, Some(2), "{out:?}");
    assert!(out.stderr.contains("invalid value 'http'"), "{out:?}");
}
