use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

/// The server as a child process on an OS-chosen port; killed when dropped.
struct Server {
    child: Child,
    stdout: BufReader<ChildStdout>,
    port: u16,
}

impl Server {
    fn start() -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_async-web"))
            .args(["--port", "0"])
            .stdout(Stdio::piped())
            .spawn()
            .expect("start async-web");
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
            port,
        }
    }

    /// Sends `request` as is and returns the whole answer (the server closes after it).
    fn send(&self, request: &str) -> String {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .expect("set a timeout");
        stream.write_all(request.as_bytes()).expect("send");
        let mut answer = String::new();
        stream.read_to_string(&mut answer).expect("read the answer");
        answer
    }

    fn get(&self, path: &str) -> String {
        self.send(&format!(
            "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
        ))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
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
    let answers: Vec<String> = std::thread::scope(|scope| {
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
    let answer = server.send("THIS IS NOT HTTP\r\n\r\n");
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 400"),
        "{answer}"
    );
    let answer = server.send("GET /\r\nHost: \0\0\0\r\n\r\n");
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 400"),
        "{answer}"
    );
    assert_eq!(status_and_body(&server.get("/")).1, "<h1>Index</h1>");
}

/// Ctrl-C (SIGINT) stops the server cleanly: it says so and exits 0.
#[cfg(unix)]
#[test]
fn ctrl_c_stops_the_server_cleanly() {
    let mut server = Server::start();
    assert_eq!(status_and_body(&server.get("/")).1, "<h1>Index</h1>");
    let pid = server.child.id().to_string();
    let kill = Command::new("kill").args(["-INT", &pid]).status().unwrap();
    assert!(kill.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "still running 10 s after Ctrl-C");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "{status:?}");
    let mut rest = String::new();
    server.stdout.read_to_string(&mut rest).unwrap();
    assert_eq!(rest, "Server stopped.\n");
}

/// `--demo` serves, sends itself 50 requests, reports the time and stops by itself.
#[test]
fn demo_mode_answers_fifty_requests_in_well_under_fifty_delays() {
    let out = Command::new(env!("CARGO_BIN_EXE_async-web"))
        .arg("--demo")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8(out.stdout).unwrap();
    let line = text
        .lines()
        .find(|l| l.starts_with("50 requests to /hello/... answered in "))
        .unwrap_or_else(|| panic!("no summary line in {text}"));
    let took: f64 = line["50 requests to /hello/... answered in ".len()..]
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!((0.5..10.0).contains(&took), "{line}");
    assert!(text.ends_with("Server stopped.\n"), "{text}");
}

#[test]
fn bad_arguments_give_one_error_line_and_exit_1() {
    for args in [&["--port"][..], &["--port", "http"], &["--bogus"]] {
        testkit::assert_usage_error(env!("CARGO_BIN_EXE_async-web"), args);
    }
}
