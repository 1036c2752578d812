//! What the async-cpu tests share: an independent prime count, a server started as a child
//! process on an OS-chosen port and stopped by the test, and a bare HTTP GET.
#![allow(dead_code)] // Each test file uses its own part of this module.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::thread;
use std::time::{Duration, Instant};

/// How long one answer may take: a /primes near the bound, in a debug build on a busy machine,
/// takes seconds; this only turns a hang into a failure.
pub const ANSWER_LIMIT: Duration = Duration::from_secs(60);
const START_LIMIT: Duration = Duration::from_secs(30);
const STOP_LIMIT: Duration = Duration::from_secs(20);

/// The primes below `n`, by the sieve of Eratosthenes: another way to the count the program
/// gets by trial division.
pub fn sieve_count(n: u64) -> usize {
    let n = n as usize;
    let mut composite = vec![false; n.max(2)];
    let mut count = 0;
    for k in 2..n {
        if !composite[k] {
            count += 1;
            for multiple in (k * k..n).step_by(k) {
                composite[multiple] = true;
            }
        }
    }
    count
}

/// A server (`--serve --port 0`) running as a child process in a process group of its own.
pub struct Server {
    child: Child,
    pub port: u16,
    lines: Receiver<String>,
}

impl Server {
    /// Starts `cmd` and waits for its `Server started at http://127.0.0.1:PORT...` line.
    pub fn start(mut cmd: Command) -> Server {
        #[cfg(unix)]
        std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the server");
        let stdout = BufReader::new(child.stdout.take().expect("stdout was piped"));
        let (sender, lines) = mpsc::channel();
        thread::spawn(move || {
            for line in stdout.lines().map_while(Result::ok) {
                let _ = sender.send(line);
            }
        });
        let mut server = Server {
            child,
            port: 0,
            lines,
        };
        let first = server.lines.recv_timeout(START_LIMIT);
        let port = first.as_deref().ok().and_then(|line| {
            line.strip_prefix("Server started at http://127.0.0.1:")?
                .strip_suffix("...")?
                .parse()
                .ok()
        });
        server.port = port.unwrap_or_else(|| panic!("unexpected first line: {first:?}"));
        server
    }

    /// Its PID, which is also its process group's ID.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// GET `path`: the status code and the body.
    pub fn get(&self, path: &str) -> (u16, String) {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).expect("connect");
        stream
            .set_read_timeout(Some(ANSWER_LIMIT))
            .expect("set a timeout");
        let request = format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).expect("send");
        let mut answer = String::new();
        stream
            .read_to_string(&mut answer)
            .expect("read the answer in time");
        let (head, body) = answer.split_once("\r\n\r\n").expect("a head and a body");
        let status = head.split(' ').nth(1).and_then(|s| s.parse().ok());
        (
            status.unwrap_or_else(|| panic!("no status in {head:?}")),
            body.to_string(),
        )
    }

    /// Sends `signal` (`INT`, `TERM`) and waits for the server to exit: its exit code and the
    /// lines it printed after the first.
    #[cfg(unix)]
    pub fn stop(self, signal: &str) -> (Option<i32>, Vec<String>) {
        self.signal(signal);
        self.exit_within(STOP_LIMIT)
    }

    /// Sends `signal` (`INT`, `TERM`) to the server.
    #[cfg(unix)]
    pub fn signal(&self, signal: &str) {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill")
            .args([&format!("-{signal}"), &pid])
            .status();
        assert!(sent.is_ok_and(|s| s.success()), "kill -{signal} {pid}");
    }

    /// Waits for the server to exit, at most `limit`: its exit code and the lines it printed
    /// after the first.
    pub fn exit_within(mut self, limit: Duration) -> (Option<i32>, Vec<String>) {
        let deadline = Instant::now() + limit;
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("wait for the server") {
                break status;
            }
            assert!(Instant::now() < deadline, "still running after {limit:?}");
            thread::sleep(Duration::from_millis(20));
        };
        // Until its stdout closes (or, should a child of it hold it open, a time limit).
        let mut lines = Vec::new();
        while let Ok(line) = self.lines.recv_timeout(STOP_LIMIT) {
            lines.push(line);
        }
        (status.code(), lines)
    }

    /// A connection that has sent `request` and reads with a time limit of `limit`.
    pub fn send(&self, request: &str, limit: Duration) -> TcpStream {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).expect("connect");
        stream.set_read_timeout(Some(limit)).expect("set a timeout");
        stream.write_all(request.as_bytes()).expect("send");
        stream
    }

    /// The CPU seconds the server has used so far (Linux: /proc/PID/stat).
    #[cfg(target_os = "linux")]
    pub fn cpu_seconds(&self) -> f64 {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.pid())).expect("stat");
        // The fields after the command name, which is in parentheses: utime and stime are
        // the 14th and 15th fields of the line, in clock ticks (100 a second on Linux).
        let fields: Vec<&str> = stat
            .rsplit_once(')')
            .expect("(comm)")
            .1
            .split(' ')
            .collect();
        let ticks: u64 =
            fields[12].parse::<u64>().expect("utime") + fields[13].parse::<u64>().expect("stime");
        ticks as f64 / 100.0
    }
}

impl Drop for Server {
    /// A test that failed midway still leaves nothing behind: the whole group is killed.
    fn drop(&mut self) {
        #[cfg(unix)]
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.child.id())])
            .stderr(Stdio::null()) // After `stop` the group is gone already.
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The first whitespace-separated word after `prefix` on the line that starts with it, as
/// a number (a time in seconds, a count).
pub fn number_after(text: &str, prefix: &str) -> f64 {
    let rest = testkit::line_after(text, prefix);
    let word = rest.split_whitespace().next().unwrap_or_default();
    word.parse().unwrap_or_else(|_| {
        panic!(
            "no number after {prefix:?} in {:?}",
            testkit::line(text, prefix)
        )
    })
}
