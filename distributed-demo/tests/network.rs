//! Real processes on 127.0.0.1 with OS-chosen ports: a master, workers, and
//! the test itself playing a misbehaving client or a fake master.

// Tests may unwrap, helpers included (clippy.toml only covers #[test] functions).
#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, ChildStdout, Command, Output, Stdio};

const EXE: &str = env!("CARGO_BIN_EXE_distributed-demo");
const KEY_ENV: &str = "DISTRIBUTED_DEMO_AUTHKEY";

/// Every process a test starts; dropping it (also when a test fails) kills and
/// reaps them all.
#[derive(Default)]
struct Procs(Vec<Child>);

impl Drop for Procs {
    fn drop(&mut self) {
        for child in &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Procs {
    fn start(&mut self, cmd: &mut Command) -> usize {
        let child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        self.0.push(child);
        self.0.len() - 1
    }

    /// Starts a master with `tasks` tasks; returns its index, address and stdout.
    fn master(&mut self, tasks: u32, key: &str) -> (usize, String, BufReader<ChildStdout>) {
        let mut cmd = Command::new(EXE);
        cmd.args(["master", "--listen", "127.0.0.1:0", "--timeout", "20"]);
        let i = self.start(cmd.args(["--tasks", &tasks.to_string()]).env(KEY_ENV, key));
        let mut out = BufReader::new(self.0[i].stdout.take().unwrap());
        let mut line = String::new();
        out.read_line(&mut line).unwrap();
        let addr = line
            .trim()
            .strip_prefix("Listening on ")
            .expect(&line)
            .to_string();
        (i, addr, out)
    }

    fn worker(&mut self, addr: &str, key: &str, delay_ms: u32) -> usize {
        let mut cmd = Command::new(EXE);
        cmd.args([
            "worker",
            "--connect",
            addr,
            "--delay-ms",
            &delay_ms.to_string(),
        ]);
        self.start(cmd.env(KEY_ENV, key))
    }

    /// Waits for process `i` to end; returns its status, rest of stdout, and stderr.
    fn finish(&mut self, i: usize, mut out: impl Read) -> (bool, String, String) {
        let (mut stdout, mut stderr) = (String::new(), String::new());
        out.read_to_string(&mut stdout).unwrap();
        let mut err = self.0[i].stderr.take().unwrap();
        err.read_to_string(&mut stderr).unwrap();
        (self.0[i].wait().unwrap().success(), stdout, stderr)
    }

    fn finish_worker(&mut self, i: usize) -> (bool, String, String) {
        let out = self.0[i].stdout.take().unwrap();
        self.finish(i, out)
    }
}

/// Checks the master's stdout: every number put as a task comes back once,
/// squared correctly. Returns the task numbers.
fn assert_all_results(stdout: &str, tasks: usize) -> Vec<u64> {
    let mut put: Vec<u64> = (stdout.lines())
        .filter_map(|l| {
            l.strip_prefix("Put task")?
                .strip_suffix("...")?
                .trim()
                .parse()
                .ok()
        })
        .collect();
    let mut got: Vec<u64> = Vec::new();
    for line in stdout.lines().filter_map(|l| l.strip_prefix("Result: ")) {
        let nums: Vec<u64> = line
            .split([' ', '*', '='])
            .filter_map(|w| w.parse().ok())
            .collect();
        assert_eq!(nums.len(), 3, "{line}");
        assert_eq!(nums[0], nums[1], "{line}");
        assert_eq!(nums[0] * nums[1], nums[2], "wrong square: {line}");
        got.push(nums[0]);
    }
    assert_eq!(put.len(), tasks, "tasks put:\n{stdout}");
    put.sort_unstable();
    got.sort_unstable();
    assert_eq!(
        put, got,
        "every task, and nothing else, comes back:\n{stdout}"
    );
    assert!(stdout.contains("master exit."), "{stdout}");
    put
}

/// One 4-byte big-endian length, then the body.
fn frame(body: &[u8]) -> Vec<u8> {
    let mut f = (body.len() as u32).to_be_bytes().to_vec();
    f.extend_from_slice(body);
    f
}

fn read_frame(stream: &mut TcpStream) -> Vec<u8> {
    let mut len = [0; 4];
    stream.read_exact(&mut len).unwrap();
    let mut body = vec![0; u32::from_be_bytes(len) as usize];
    stream.read_exact(&mut body).unwrap();
    body
}

#[test]
fn default_run_collects_every_result_and_ends() {
    let out: Output = Command::new(EXE).env_remove(KEY_ENV).output().unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.starts_with("Listening on 127.0.0.1:"), "{stdout}");
    assert_all_results(&stdout, 10);
    assert_eq!(stdout.matches("worker exit.").count(), 2, "{stdout}");
}

#[test]
fn two_workers_bring_all_results() {
    let mut procs = Procs::default();
    let (m, addr, out) = procs.master(6, "two-workers-key");
    let workers = [
        procs.worker(&addr, "two-workers-key", 50),
        procs.worker(&addr, "two-workers-key", 50),
    ];
    let (ok, stdout, stderr) = procs.finish(m, out);
    assert!(ok, "{stdout}\n{stderr}");
    let put = assert_all_results(&stdout, 6);
    // The workers did every task between them, and both ended by themselves.
    let mut run = Vec::new();
    for w in workers {
        let (ok, out, err) = procs.finish_worker(w);
        assert!(ok && out.ends_with("worker exit.\n"), "{out}\n{err}");
        run.extend(out.lines().filter_map(|l| {
            l.strip_prefix("run task ")?
                .split(' ')
                .next()?
                .parse::<u64>()
                .ok()
        }));
    }
    run.sort_unstable();
    assert_eq!(run, put);
}

#[test]
fn wrong_key_is_refused_and_the_master_still_serves() {
    let mut procs = Procs::default();
    let (m, addr, out) = procs.master(3, "the-right-key");
    let intruder = procs.worker(&addr, "a-wrong-key", 10);
    let (ok, _, stderr) = procs.finish_worker(intruder);
    assert!(!ok);
    assert_eq!(procs.0[intruder].wait().unwrap().code(), Some(1));
    assert!(
        stderr.starts_with("error: authentication failed"),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");

    procs.worker(&addr, "the-right-key", 10);
    let (ok, stdout, stderr) = procs.finish(m, out);
    assert!(ok, "{stdout}\n{stderr}");
    assert!(
        stderr.contains("refused: authentication failed"),
        "{stderr}"
    );
    assert_all_results(&stdout, 3);
}

#[test]
fn a_killed_workers_task_is_handed_out_again() {
    let mut procs = Procs::default();
    let (m, addr, out) = procs.master(3, "kill-key");
    // A slow worker takes a task; wait until it says so, then kill it mid-task.
    let slow = procs.worker(&addr, "kill-key", 60_000);
    let mut slow_out = BufReader::new(procs.0[slow].stdout.take().unwrap());
    let n = loop {
        let mut line = String::new();
        assert!(
            slow_out.read_line(&mut line).unwrap() > 0,
            "slow worker ended early"
        );
        if let Some(rest) = line.strip_prefix("run task ") {
            break rest.split(' ').next().unwrap().parse::<u64>().unwrap();
        }
    };
    procs.0[slow].kill().unwrap();
    procs.0[slow].wait().unwrap();

    procs.worker(&addr, "kill-key", 10);
    let (ok, stdout, stderr) = procs.finish(m, out);
    assert!(ok, "{stdout}\n{stderr}");
    assert!(
        stderr.contains(&format!("on task {n}; it goes back to the queue")),
        "{stderr}"
    );
    assert!(assert_all_results(&stdout, 3).contains(&n));
}

#[test]
fn garbage_and_oversized_messages_close_only_that_connection() {
    let mut procs = Procs::default();
    let (m, addr, out) = procs.master(2, "garbage-key");
    // "GET " read as a length is 1195725856 bytes: far over the limit.
    // Then a well-sized frame that is not JSON.
    for bytes in [b"GET / HTTP/1.1\r\n\r\n".to_vec(), frame(b"hello")] {
        let mut conn = TcpStream::connect(&addr).unwrap();
        conn.write_all(&bytes).unwrap();
        let mut rest = Vec::new();
        let _ = conn.read_to_end(&mut rest); // the master closes it (EOF or reset)
    }
    procs.worker(&addr, "garbage-key", 10);
    let (ok, stdout, stderr) = procs.finish(m, out);
    assert!(ok, "{stdout}\n{stderr}");
    assert!(
        stderr.contains("closed: a frame of 1195725856 bytes is over the 65536-byte limit"),
        "{stderr}"
    );
    assert!(stderr.contains("closed: not a valid message"), "{stderr}");
    assert_all_results(&stdout, 2);
}

/// Each connection gets its own random challenge: a recorded answer is no use
/// on the next connection.
#[test]
fn every_connection_gets_a_fresh_challenge() {
    let mut procs = Procs::default();
    let (_, addr, _out) = procs.master(1, "fresh-key");
    let challenges: Vec<String> = (0..3)
        .map(|_| String::from_utf8(read_frame(&mut TcpStream::connect(&addr).unwrap())).unwrap())
        .collect();
    for c in &challenges {
        assert!(c.starts_with(r#"{"type":"Challenge","nonce":["#), "{c}");
    }
    assert_ne!(challenges[0], challenges[1]);
    assert_ne!(challenges[1], challenges[2]);
    assert_ne!(challenges[0], challenges[2]);
} // dropping `procs` kills and reaps the master

#[test]
fn the_worker_checks_the_master_too_and_never_sends_the_key() {
    // The test plays a master that does not know the key.
    let fake = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = fake.local_addr().unwrap().to_string();
    let mut procs = Procs::default();
    let w = procs.worker(&addr, "never-on-the-wire", 10);
    let (mut conn, _) = fake.accept().unwrap();
    let zeros = format!("[{}]", ["0"; 32].join(","));
    conn.write_all(&frame(
        format!(r#"{{"type":"Challenge","nonce":{zeros}}}"#).as_bytes(),
    ))
    .unwrap();
    let answer = String::from_utf8(read_frame(&mut conn)).unwrap();
    assert!(
        answer.starts_with(r#"{"type":"Answer","proof":["#),
        "{answer}"
    );
    assert!(!answer.contains("never-on-the-wire"), "{answer}");
    conn.write_all(&frame(
        format!(r#"{{"type":"Welcome","proof":{zeros}}}"#).as_bytes(),
    ))
    .unwrap();
    drop(conn); // whatever the worker makes of it, this conversation is over
    let (ok, _, stderr) = procs.finish_worker(w);
    assert!(!ok);
    assert_eq!(
        stderr,
        "error: authentication failed: the master did not prove it knows the key\n"
    );
}

/// Runs the binary with `args` and no key unless given; expects exit 1 and one
/// `error: ...` line starting with `start`.
fn assert_fails(args: &[&str], key: Option<&str>, start: &str) {
    let mut cmd = Command::new(EXE);
    cmd.args(args).env_remove(KEY_ENV);
    if let Some(key) = key {
        cmd.env(KEY_ENV, key);
    }
    let out = cmd.output().unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
    assert!(
        stderr.starts_with(start) && stderr.lines().count() == 1,
        "{args:?}: {stderr}"
    );
}

#[test]
fn bad_setups_give_one_clear_line() {
    let holder = TcpListener::bind("127.0.0.1:0").unwrap(); // keeps the port taken
    let taken = holder.local_addr().unwrap().to_string();
    assert_fails(
        &["master", "--listen", &taken],
        Some("k"),
        &format!("error: listening on {taken}: "),
    );
    assert_fails(
        &["master", "--listen", "not-an-address"],
        Some("k"),
        "error: listening on not-an-address: ",
    );
    // A port with nobody behind it: bound, then released.
    let free = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .to_string();
    assert_fails(
        &["worker", "--connect", &free],
        Some("k"),
        &format!("error: connecting to {free}: "),
    );
    assert_fails(&["worker"], None, "error: no key");
    assert_fails(
        &["master", "--tasks", "many"],
        Some("k"),
        "error: --tasks wants a whole number",
    );
    assert_fails(
        &["worker", "--tasks", "3"],
        Some("k"),
        "error: unexpected argument \"--tasks\"",
    );
    assert_fails(
        &["--bogus"],
        Some("k"),
        "error: unexpected argument \"--bogus\" here",
    );
    assert!(testkit::assert_help(EXE).starts_with("usage:"));
}
