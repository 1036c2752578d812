//! Real processes on 127.0.0.1 with OS-chosen ports: a master, workers, and the
//! test itself playing a misbehaving client or a fake master. Every process is
//! killed if it runs past `LIMIT`, so a hang fails the test instead of stalling it.

// Tests may unwrap, helpers included (clippy.toml only covers #[test] functions).
#![allow(clippy::unwrap_used)]

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, ChildStderr, ChildStdout, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use common::assert_all_results;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

const EXE: &str = env!("CARGO_BIN_EXE_distributed-demo");
const KEY_ENV: &str = "DISTRIBUTED_DEMO_AUTHKEY";
/// The longest any process of a test may run.
const LIMIT: Duration = Duration::from_secs(20);

/// A started process whose stdout and stderr are read as it runs. A watchdog kills
/// it once it has run for `LIMIT`, so no read of its output can wait forever.
struct Proc {
    child: Arc<Mutex<Child>>,
    stdout: Option<BufReader<ChildStdout>>,
    stderr: Option<ChildStderr>,
}

impl Drop for Proc {
    fn drop(&mut self) {
        let mut child = self.child.lock().unwrap();
        let _ = child.kill(); // does nothing to one already reaped
        let _ = child.wait();
    }
}

/// How a process ended: success, its exit code, the rest of its stdout, its stderr.
struct Ended {
    ok: bool,
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Proc {
    fn start(cmd: &mut Command) -> Proc {
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = Some(BufReader::new(child.stdout.take().unwrap()));
        let stderr = child.stderr.take();
        let child = Arc::new(Mutex::new(child));
        let watched = Arc::clone(&child);
        thread::spawn(move || {
            thread::sleep(LIMIT);
            let _ = watched.lock().unwrap().kill(); // a reaped child is not signalled
        });
        Proc {
            child,
            stdout,
            stderr,
        }
    }

    fn line(&mut self) -> String {
        let mut line = String::new();
        self.stdout.as_mut().unwrap().read_line(&mut line).unwrap();
        line
    }

    /// Waits for the process to exit (the watchdog ends it past `LIMIT`).
    fn finish(mut self) -> Ended {
        let out = reader(self.stdout.take().unwrap());
        let err = reader(self.stderr.take().unwrap());
        let (stdout, stderr) = (out.join().unwrap(), err.join().unwrap());
        let status = self.child.lock().unwrap().wait().unwrap();
        Ended {
            ok: status.success(),
            code: status.code(),
            stdout,
            stderr,
        }
    }
}

fn reader(mut pipe: impl Read + Send + 'static) -> JoinHandle<String> {
    thread::spawn(move || {
        let mut text = String::new();
        pipe.read_to_string(&mut text).unwrap();
        text
    })
}

/// Starts a master with `tasks` tasks under `sh` (with `ulimit` if given); returns
/// it and its address.
fn master_with(tasks: u32, key: &str, ulimit: Option<u32>) -> (Proc, String) {
    let args = format!("master --listen 127.0.0.1:0 --timeout 10 --tasks {tasks}");
    let limit = ulimit.map_or(String::new(), |n| format!("ulimit -n {n}; "));
    let script = format!("{limit}exec \"$0\" {args}");
    let mut master = Proc::start(
        Command::new("sh")
            .args(["-c", &script, EXE])
            .env(KEY_ENV, key),
    );
    let line = master.line();
    let addr = line
        .trim()
        .strip_prefix("Listening on ")
        .expect(&line)
        .to_string();
    (master, addr)
}

fn master(tasks: u32, key: &str) -> (Proc, String) {
    master_with(tasks, key, None)
}

fn worker(addr: &str, key: &str, name: &str, delay_ms: u32) -> Proc {
    let delay = delay_ms.to_string();
    let args = [
        "worker",
        "--connect",
        addr,
        "--name",
        name,
        "--delay-ms",
        &delay,
    ];
    Proc::start(
        Command::new(EXE)
            .args(args)
            .args(["--timeout", "10"])
            .env(KEY_ENV, key),
    )
}

/// The number on the master's `lost WHO on task N; ...` lines for worker `who`.
fn lost(stdout: &str, who: &str) -> Vec<u64> {
    let prefix = format!("lost {who} on task ");
    (stdout.lines())
        .filter_map(|l| {
            l.strip_prefix(&prefix)?
                .strip_suffix("; it goes back to the queue")
        })
        .map(|n| n.parse().unwrap())
        .collect()
}

/// One 4-byte big-endian length, then the body.
fn frame(body: &str) -> Vec<u8> {
    let mut f = (body.len() as u32).to_be_bytes().to_vec();
    f.extend_from_slice(body.as_bytes());
    f
}

fn read_frame(stream: &mut TcpStream) -> String {
    stream.set_read_timeout(Some(LIMIT)).unwrap();
    let mut len = [0; 4];
    stream.read_exact(&mut len).unwrap();
    let mut body = vec![0; u32::from_be_bytes(len) as usize];
    stream.read_exact(&mut body).unwrap();
    String::from_utf8(body).unwrap()
}

/// The next connection to `listener`; fails the test if none comes within `limit`.
fn accept_within(listener: &TcpListener, limit: Duration) -> TcpStream {
    listener.set_nonblocking(true).unwrap();
    let start = Instant::now();
    loop {
        match listener.accept() {
            Ok((conn, _)) => {
                conn.set_nonblocking(false).unwrap();
                return conn;
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                assert!(start.elapsed() < limit, "no connection within {limit:?}");
                thread::sleep(Duration::from_millis(20));
            }
            Err(e) => panic!("accept failed: {e}"),
        }
    }
}

/// Plays a worker's handshake with `key`, as `name`.
fn authenticate(conn: &mut TcpStream, key: &str, name: &str) {
    let challenge: serde_json::Value = serde_json::from_str(&read_frame(conn)).unwrap();
    let nonce: Vec<u8> = serde_json::from_value(challenge["Challenge"].clone()).unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).unwrap();
    mac.update(b"worker");
    mac.update(&nonce);
    let proof: Vec<u8> = mac.finalize().into_bytes().to_vec();
    let answer =
        serde_json::json!({ "Answer": {"proof": proof, "nonce": vec![0_u8; 32], "name": name} });
    conn.write_all(&frame(&answer.to_string())).unwrap();
    let welcome = read_frame(conn);
    assert!(welcome.starts_with(r#"{"Welcome":["#), "{welcome}");
}

#[test]
fn default_run_names_workers_requeues_the_killed_ones_task_and_ends() {
    let out = testkit::run_leaving_nothing(EXE, &[], LIMIT);
    assert_eq!(out.code, Some(0), "{out:?}");
    let stdout = &out.stdout;
    assert!(stdout.starts_with("Listening on 127.0.0.1:"), "{stdout}");
    let results = assert_all_results(stdout, 10);
    for name in ["worker-1", "worker-2", "worker-3"] {
        let handshake = format!("Handshake ok: {name} and the master share the key.");
        assert_eq!(stdout.matches(&handshake).count(), 1, "{stdout}");
    }
    // worker-1 is killed while it holds a task: that task, and only that one,
    // goes back, and another worker brings its result.
    let killed: u64 = testkit::number_after(stdout, "Killed worker-1 in the middle of: run task ");
    assert_eq!(lost(stdout, "worker-1"), [killed], "{stdout}");
    // The cause, then its effect.
    let (kill, loss) = (
        stdout.find("Killed worker-1 "),
        stdout.find("lost worker-1 "),
    );
    assert!(kill.unwrap() < loss.unwrap(), "{stdout}");
    let by = &results.iter().find(|(n, _)| *n == killed).unwrap().1;
    assert!(by == "worker-2" || by == "worker-3", "{stdout}");
    assert!(results.iter().all(|(_, by)| by != "worker-1"), "{stdout}");
    assert_eq!(stdout.matches("worker exit.").count(), 2, "{stdout}");
}

#[test]
fn two_workers_bring_all_results() {
    let (master, addr) = master(6, "two-workers-key");
    let workers = [
        worker(&addr, "two-workers-key", "w-a", 50),
        worker(&addr, "two-workers-key", "w-b", 50),
    ];
    let m = master.finish();
    assert!(m.ok, "{}\n{}", m.stdout, m.stderr);
    let results = assert_all_results(&m.stdout, 6);
    // The workers did every task between them, each said so, and both ended by themselves.
    let mut run = Vec::new();
    for w in workers {
        let w = w.finish();
        assert!(
            w.ok && w.stdout.ends_with("worker exit.\n"),
            "{}\n{}",
            w.stdout,
            w.stderr
        );
        run.extend(w.stdout.lines().filter_map(|l| {
            l.strip_prefix("run task ")?
                .split(' ')
                .next()?
                .parse::<u64>()
                .ok()
        }));
    }
    run.sort_unstable();
    assert!(
        !m.stdout.contains("lost "),
        "nothing was lost:\n{}",
        m.stdout
    );
    let mut done: Vec<u64> = results.iter().map(|(n, _)| *n).collect();
    done.sort_unstable();
    assert_eq!(run, done);
    assert!(results.iter().all(|(_, by)| by == "w-a" || by == "w-b"));
}

#[test]
fn wrong_key_is_refused_and_the_master_still_serves() {
    let (master, addr) = master(3, "the-right-key");
    let intruder = worker(&addr, "a-wrong-key", "intruder", 10).finish();
    assert_eq!(intruder.code, Some(1));
    assert_eq!(
        intruder.stderr,
        format!(
            "Error: \"the master at {addr}: authentication failed: \
             the master and this worker have different keys\"\n"
        )
    );
    let _honest = worker(&addr, "the-right-key", "honest", 10);
    let m = master.finish();
    assert!(m.ok, "{}\n{}", m.stdout, m.stderr);
    assert!(
        m.stderr.contains("closed: authentication failed"),
        "{}",
        m.stderr
    );
    assert_all_results(&m.stdout, 3);
}

#[test]
fn a_killed_workers_task_is_handed_out_again() {
    let (master, addr) = master(3, "kill-key");
    // A slow worker takes a task; wait until it says so, then kill it mid-task.
    let mut slow = worker(&addr, "kill-key", "slow", 1000);
    let n: u64 = loop {
        let line = slow.line();
        assert!(!line.is_empty(), "the slow worker ended early");
        if let Some(rest) = line.strip_prefix("run task ") {
            break rest.split(' ').next().unwrap().parse().unwrap();
        }
    };
    drop(slow); // kills and reaps it
    let _fast = worker(&addr, "kill-key", "fast", 10);
    let m = master.finish();
    assert!(m.ok, "{}\n{}", m.stdout, m.stderr);
    assert_eq!(lost(&m.stdout, "slow"), [n], "{}", m.stdout);
    assert!(
        m.stderr.contains("closed: connection closed by the peer"),
        "{}",
        m.stderr
    );
    let results = assert_all_results(&m.stdout, 3);
    assert!(results.contains(&(n, "fast".to_string())), "{}", m.stdout);
}

/// A client that takes two tasks before returning any, then disconnects, holds
/// both: both go back to the queue and every result still arrives.
#[test]
fn every_task_a_prefetching_client_held_goes_back() {
    let (master, addr) = master(4, "prefetch-key");
    let mut greedy = TcpStream::connect(&addr).unwrap();
    authenticate(&mut greedy, "prefetch-key", "greedy");
    let mut taken = Vec::new();
    for _ in 0..2 {
        greedy.write_all(&frame(r#""GetTask""#)).unwrap();
        let task: serde_json::Value = serde_json::from_str(&read_frame(&mut greedy)).unwrap();
        taken.push(task["Task"].as_u64().unwrap());
    }
    drop(greedy);
    let _honest = worker(&addr, "prefetch-key", "honest", 10);
    let m = master.finish();
    assert!(m.ok, "{}\n{}", m.stdout, m.stderr);
    let mut lost = lost(&m.stdout, "greedy");
    lost.sort_unstable();
    taken.sort_unstable();
    assert_eq!(lost, taken, "{}", m.stdout);
    assert_all_results(&m.stdout, 4);
}

/// A result only counts from the connection that holds its task: one for a task
/// it does not hold closes the connection, and the master does not print it.
#[test]
fn a_result_for_a_task_not_held_is_refused() {
    let (master, addr) = master(2, "forger-key");
    let mut forger = TcpStream::connect(&addr).unwrap();
    authenticate(&mut forger, "forger-key", "forger");
    forger.write_all(&frame(r#"{"Square":[12345,0]}"#)).unwrap();
    let mut rest = Vec::new();
    let _ = forger.read_to_end(&mut rest); // the master closes it
    let _honest = worker(&addr, "forger-key", "honest", 10);
    let m = master.finish();
    assert!(m.ok, "{}\n{}", m.stdout, m.stderr);
    assert!(
        m.stderr
            .contains("closed: unexpected message Square(12345, 0)"),
        "{}",
        m.stderr
    );
    assert!(!m.stdout.contains("Result: 12345"), "{}", m.stdout);
    assert_all_results(&m.stdout, 2);
}

/// The master serves 16 connections at a time: a 17th waits in the listen
/// backlog until one of them ends (here, the first silent one, after 1 s).
#[test]
fn the_master_serves_at_most_16_connections_at_a_time() {
    let (_master, addr) = master(1, "cap-key");
    let start = Instant::now();
    let mut first: Vec<TcpStream> = (0..16)
        .map(|_| TcpStream::connect(&addr).unwrap())
        .collect();
    for conn in &mut first {
        read_frame(conn); // each of the 16 is served: it gets its challenge
    }
    let mut seventeenth = TcpStream::connect(&addr).unwrap();
    seventeenth.set_read_timeout(Some(LIMIT)).unwrap();
    read_frame(&mut seventeenth);
    let waited = start.elapsed();
    assert!(
        waited >= Duration::from_millis(900),
        "served after {waited:?}"
    );
}

#[test]
fn garbage_and_oversized_messages_close_only_that_connection() {
    let (master, addr) = master(2, "garbage-key");
    // "GET " read as a length is 1195725856 bytes: far over the limit. Then a
    // well-sized frame that is not JSON, and one of exactly the largest size.
    let largest = " ".repeat(64 * 1024);
    for bytes in [
        b"GET / HTTP/1.1\r\n\r\n".to_vec(),
        frame("hello"),
        frame(&largest),
    ] {
        let mut conn = TcpStream::connect(&addr).unwrap();
        read_frame(&mut conn); // the challenge
        conn.write_all(&bytes).unwrap();
        let mut rest = Vec::new();
        let _ = conn.read_to_end(&mut rest); // the master closes it (EOF or reset)
    }
    let _w = worker(&addr, "garbage-key", "w", 10);
    let m = master.finish();
    assert!(m.ok, "{}\n{}", m.stdout, m.stderr);
    let closed = |why: &str| m.stderr.matches(&format!("closed: {why}")).count();
    assert_eq!(
        closed("a frame of 1195725856 bytes is over the 65536-byte limit"),
        1
    );
    assert_eq!(closed("not a valid message"), 2, "{}", m.stderr);
    assert_all_results(&m.stdout, 2);
}

/// A connection that never answers the challenge is closed after the short
/// handshake deadline, and the log says it timed out.
#[test]
fn a_silent_connection_is_closed_as_timed_out() {
    let (master, addr) = master(1, "silent-key");
    let mut idle = TcpStream::connect(&addr).unwrap();
    read_frame(&mut idle);
    let start = Instant::now();
    let mut rest = Vec::new();
    idle.set_read_timeout(Some(LIMIT)).unwrap();
    let _ = idle.read_to_end(&mut rest);
    assert!(
        start.elapsed() < Duration::from_secs(15),
        "{:?}",
        start.elapsed()
    );
    let _w = worker(&addr, "silent-key", "w", 10);
    let m = master.finish();
    assert!(
        m.stderr
            .contains("closed: timed out: no whole message in time"),
        "{}",
        m.stderr
    );
}

/// With a limit of 64 open files, a flood of idle connections neither exhausts
/// the master's file descriptors nor holds a real worker up for long.
#[cfg(unix)]
#[test]
fn a_flood_of_idle_connections_under_a_low_fd_limit_still_lets_a_worker_in() {
    let (master, addr) = master_with(3, "flood-key", Some(64));
    let flood: Vec<TcpStream> = (0..80)
        .map(|_| TcpStream::connect(&addr).unwrap())
        .collect();
    let start = Instant::now();
    let w = worker(&addr, "flood-key", "w", 10).finish();
    assert!(w.ok, "{}\n{}", w.stdout, w.stderr);
    assert!(
        start.elapsed() < Duration::from_secs(15),
        "{:?}",
        start.elapsed()
    );
    let m = master.finish();
    assert!(m.ok, "{}\n{}", m.stdout, m.stderr);
    assert!(!m.stderr.contains("accept failed"), "{}", m.stderr);
    assert_all_results(&m.stdout, 3);
    drop(flood);
}

/// Each connection gets its own random challenge: a recorded answer is no use
/// on the next connection.
#[test]
fn every_connection_gets_a_fresh_challenge() {
    let (_master, addr) = master(1, "fresh-key");
    let challenges: Vec<String> = (0..3)
        .map(|_| read_frame(&mut TcpStream::connect(&addr).unwrap()))
        .collect();
    for c in &challenges {
        assert!(c.starts_with(r#"{"Challenge":["#), "{c}");
    }
    assert_ne!(challenges[0], challenges[1]);
    assert_ne!(challenges[1], challenges[2]);
    assert_ne!(challenges[0], challenges[2]);
} // dropping the master kills and reaps it

#[test]
fn the_worker_checks_the_master_too_and_never_sends_the_key() {
    // The test plays a master that does not know the key.
    let fake = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = fake.local_addr().unwrap().to_string();
    let w = worker(&addr, "never-on-the-wire", "w", 10);
    let mut conn = accept_within(&fake, LIMIT);
    let zeros = format!("[{}]", ["0"; 32].join(","));
    conn.write_all(&frame(&format!(r#"{{"Challenge":{zeros}}}"#)))
        .unwrap();
    let answer = read_frame(&mut conn);
    assert!(answer.starts_with(r#"{"Answer":{"proof":["#), "{answer}");
    assert!(!answer.contains("never-on-the-wire"), "{answer}");
    conn.write_all(&frame(&format!(r#"{{"Welcome":{zeros}}}"#)))
        .unwrap();
    let w = w.finish();
    assert_eq!(w.code, Some(1));
    assert_eq!(
        w.stderr,
        format!(
            "Error: \"the master at {addr}: authentication failed: \
             the master did not prove it knows the key\"\n"
        )
    );
}

/// A master that accepts and then says nothing: the worker gives up after its
/// `--timeout` with an error that says so.
#[test]
fn a_silent_master_makes_the_worker_give_up() {
    let fake = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = fake.local_addr().unwrap().to_string();
    let start = Instant::now();
    let mut cmd = Command::new(EXE);
    cmd.args(["worker", "--connect", &addr, "--timeout", "1"])
        .env(KEY_ENV, "k");
    let w = Proc::start(&mut cmd).finish();
    assert!(
        start.elapsed() < Duration::from_secs(15),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(w.code, Some(1));
    assert_eq!(
        w.stderr,
        format!("Error: \"the master at {addr}: timed out: no whole message in time\"\n")
    );
    drop(fake);
}

/// A master that gets no results gives up after its `--timeout` and says so.
#[test]
fn a_master_without_workers_gives_up_after_its_timeout() {
    let mut cmd = Command::new(EXE);
    cmd.args([
        "master",
        "--listen",
        "127.0.0.1:0",
        "--tasks",
        "2",
        "--timeout",
        "1",
    ]);
    let m = Proc::start(cmd.env(KEY_ENV, "k")).finish();
    assert_eq!(m.code, Some(1), "{}\n{}", m.stdout, m.stderr);
    assert!(!m.stdout.contains("master exit."), "{}", m.stdout);
    assert_eq!(m.stderr, "Error: \"only 0 of 2 results in 1s\"\n");
}

/// Runs the binary with `args` (and `key`, if given); expects `code` and one
/// stderr line starting `start`.
fn assert_fails(args: &[&str], key: Option<&str>, code: i32, start: &str) {
    let mut cmd = Command::new(EXE);
    cmd.args(args).env_remove(KEY_ENV);
    if let Some(key) = key {
        cmd.env(KEY_ENV, key);
    }
    let out = testkit::command_within(cmd, LIMIT);
    assert_eq!(out.code, Some(code), "{args:?}: {out:?}");
    assert!(out.stderr.starts_with(start), "{args:?}: {out:?}");
    if code == 1 {
        assert_eq!(out.stderr.lines().count(), 1, "{args:?}: {out:?}");
    }
}

#[test]
fn bad_setups_give_a_clear_error_at_start() {
    let holder = TcpListener::bind("127.0.0.1:0").unwrap(); // keeps the port taken
    let taken = holder.local_addr().unwrap().to_string();
    let listen = format!("Error: \"listening on {taken}: ");
    assert_fails(&["master", "--listen", &taken], Some("k"), 1, &listen);
    let bad = "Error: \"listening on not-an-address: ";
    assert_fails(&["master", "--listen", "not-an-address"], Some("k"), 1, bad);
    // A port with nobody behind it: bound, then released.
    let free = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .to_string();
    let connecting = format!("Error: \"connecting to {free}: ");
    assert_fails(&["worker", "--connect", &free], Some("k"), 1, &connecting);
    assert_fails(
        &["worker"],
        None,
        1,
        "Error: \"no key: set DISTRIBUTED_DEMO_AUTHKEY",
    );
    assert_fails(&["master"], Some(""), 1, "Error: \"no key");
    // Sizes a user could ask for are bounded, and said so before anything starts.
    for (flag, value) in [("--tasks", "0"), ("--tasks", "1001"), ("--timeout", "0")] {
        let why = format!("error: invalid value '{value}' for '{flag} <");
        assert_fails(&["master", flag, value], Some("k"), 2, &why);
    }
    let not_a_number = "error: invalid value 'many' for '--tasks <TASKS>'";
    assert_fails(&["master", "--tasks", "many"], Some("k"), 2, not_a_number);
    let delay = "error: invalid value '1001' for '--delay-ms <DELAY_MS>'";
    assert_fails(&["worker", "--delay-ms", "1001"], Some("k"), 2, delay);
    let unexpected = "error: unexpected argument '--tasks' found";
    assert_fails(&["worker", "--tasks", "3"], Some("k"), 2, unexpected);
    assert_fails(
        &["--bogus"],
        Some("k"),
        2,
        "error: unexpected argument '--bogus' found",
    );
    assert!(testkit::assert_help(EXE).contains("Usage: distributed-demo [COMMAND]"));
}

/// Reads `proc`'s lines until `run task N * N...`; returns N.
fn first_task(proc: &mut Proc) -> u64 {
    loop {
        let line = proc.line();
        assert!(!line.is_empty(), "the worker ended before it took a task");
        if let Some(rest) = line.strip_prefix("run task ") {
            return rest.split(' ').next().unwrap().parse().unwrap();
        }
    }
}

/// A worker stopped (SIGSTOP) while it holds a task keeps its connection open but says
/// nothing: its lease runs out well before the run's deadline, the task goes back, and
/// the run completes.
#[cfg(unix)]
#[test]
fn a_task_held_by_a_stopped_worker_goes_back_when_its_lease_ends() {
    let (master, addr) = master(5, "stopped-key");
    let mut stopped = worker(&addr, "stopped-key", "stopped", 1000);
    let n = first_task(&mut stopped);
    let pid = stopped.child.lock().unwrap().id().to_string();
    assert!(
        Command::new("kill")
            .args(["-STOP", &pid])
            .status()
            .unwrap()
            .success()
    );
    let _honest = worker(&addr, "stopped-key", "honest", 10);
    let m = master.finish(); // its --timeout is 10 s
    assert!(m.ok, "{}\n{}", m.stdout, m.stderr);
    assert_eq!(lost(&m.stdout, "stopped"), [n], "{}", m.stdout);
    let results = assert_all_results(&m.stdout, 5);
    assert!(results.contains(&(n, "honest".to_string())), "{}", m.stdout);
} // dropping `stopped` kills it (SIGKILL ends a stopped process too)

/// A client that sends its handshake a byte at a time, each well within the handshake
/// limit, is still closed once the whole handshake has taken longer than that limit.
#[test]
fn a_handshake_sent_a_byte_at_a_time_is_closed_at_one_deadline() {
    let (master, addr) = master(1, "trickle-key");
    let mut conn = TcpStream::connect(&addr).unwrap();
    read_frame(&mut conn); // the challenge
    let mut trickler = conn.try_clone().unwrap();
    let start = Instant::now();
    let bytes = frame(&"x".repeat(100));
    thread::spawn(move || {
        // A byte every 300 ms, for at most 8 s, until the master closes the connection.
        for byte in bytes.into_iter().take(8000 / 300) {
            if trickler.write_all(&[byte]).is_err() {
                break;
            }
            thread::sleep(Duration::from_millis(300));
        }
    });
    conn.set_read_timeout(Some(LIMIT)).unwrap();
    let _ = conn.read_to_end(&mut Vec::new()); // until the master closes it
    let closed_after = start.elapsed();
    assert!(
        closed_after < Duration::from_secs(4),
        "closed after {closed_after:?}"
    );
    let _w = worker(&addr, "trickle-key", "w", 10);
    let m = master.finish();
    assert!(m.ok, "{}\n{}", m.stdout, m.stderr);
    assert!(m.stderr.contains("closed: timed out"), "{}", m.stderr);
}

/// Once every result is in, the master tells the workers waiting for a task that there is
/// none and exits: a connection that stays open and silent does not hold it.
#[test]
fn the_master_exits_when_its_work_is_done_whatever_connections_are_open() {
    let (master, addr) = master(3, "open-key");
    let mut w = worker(&addr, "open-key", "w", 100);
    first_task(&mut w);
    let mut idle = TcpStream::connect(&addr).unwrap();
    authenticate(&mut idle, "open-key", "idle"); // then silent, and still open
    let m = master.finish();
    assert!(m.ok, "{}\n{}", m.stdout, m.stderr);
    assert_all_results(&m.stdout, 3);
    assert!(
        !m.stderr.contains("timed out"),
        "it waited for `idle`: {}",
        m.stderr
    );
    let w = w.finish();
    assert!(
        w.ok && w.stdout.ends_with("worker exit.\n"),
        "{}\n{}",
        w.stdout,
        w.stderr
    );
}

/// A worker that answers a wrong square is not believed: the master logs it as that
/// worker's error, closes its connection, and hands the task to another.
#[test]
fn a_wrong_answer_is_that_workers_error_and_its_task_goes_out_again() {
    let (master, addr) = master(2, "wrong-key");
    let mut rogue = TcpStream::connect(&addr).unwrap();
    authenticate(&mut rogue, "wrong-key", "rogue");
    rogue.write_all(&frame(r#""GetTask""#)).unwrap();
    let task: serde_json::Value = serde_json::from_str(&read_frame(&mut rogue)).unwrap();
    let n = task["Task"].as_u64().unwrap();
    let wrong = n * n + 1;
    rogue
        .write_all(&frame(&format!(r#"{{"Square":[{n},{wrong}]}}"#)))
        .unwrap();
    let _ = rogue.read_to_end(&mut Vec::new()); // the master closes it
    let _honest = worker(&addr, "wrong-key", "honest", 10);
    let m = master.finish();
    assert!(m.ok, "{}\n{}", m.stdout, m.stderr);
    let why = "master: rogue at 127.0.0.1:";
    assert!(m.stderr.contains(why), "{}", m.stderr);
    let why = format!("closed: wrong answer: {n} * {n} = {wrong}\n");
    assert!(m.stderr.contains(&why), "{}", m.stderr);
    assert_eq!(lost(&m.stdout, "rogue"), [n], "{}", m.stdout);
    let results = assert_all_results(&m.stdout, 2);
    assert!(results.contains(&(n, "honest".to_string())), "{}", m.stdout);
}

/// The Python twin's master checks squares too: a wrong one is that worker's error, said
/// on stderr, and its task goes back to the queue; a right one is a result.
#[test]
fn the_twins_master_checks_squares_too() {
    if let Some(why) = testkit::twin::missing(&[]) {
        testkit::twin::skip("the_twins_master_checks_squares_too", &why);
        return;
    }
    let check = "import distributed_demo as d
board = d.Board([5, 6])
for n in (board.get_task('rogue'), board.get_task('honest')):
    board.put_result('rogue' if n == 5 else 'honest', n, 26 if n == 5 else 36)
print(list(board.queue), board.results)";
    let mut cmd = Command::new("python3");
    cmd.args(["-c", check])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("PYTHONDONTWRITEBYTECODE", "1");
    let out = testkit::command_within(cmd, LIMIT);
    assert_eq!(out.code, Some(0), "{out:?}");
    let told = "lost rogue on task 5; it goes back to the queue\n[5] [(6, 36, 'honest')]\n";
    assert_eq!(out.stdout, told, "{out:?}");
    assert_eq!(
        out.stderr, "master: rogue: wrong answer: 5 * 5 = 26\n",
        "{out:?}"
    );
}
