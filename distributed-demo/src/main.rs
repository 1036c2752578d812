//! Distributed processes: a master serves a task queue over TCP, and workers,
//! on this machine or others, connect, take numbers and send back `n * n`.
//! Master and worker prove to each other that they know a shared key by
//! HMAC-SHA256 challenge-response; the key itself never travels. A worker that
//! dies mid-task does not lose the task: the master hands it out again.
//!
//! Python: the tutorial's task_master.py / task_worker.py, a
//! `multiprocessing.managers.BaseManager` sharing two queues over the network.
//!
//! Run with: cargo run -p distributed-demo
//! (a master on 127.0.0.1 and two worker processes; or run the roles yourself:
//! `DISTRIBUTED_DEMO_AUTHKEY=abc cargo run -p distributed-demo -- master`, and in
//! other terminals `DISTRIBUTED_DEMO_AUTHKEY=abc cargo run -p distributed-demo -- worker`)
//!
//! Expected output (numbers and port are random; order may vary):
//! ```text
//! Listening on 127.0.0.1:41234
//! Put task 3411...
//! Put task 1605...
//! ...
//! Try get results...
//! Connect to server 127.0.0.1:41234...
//! run task 3411 * 3411...
//! Result: 3411 * 3411 = 11634921
//! ...
//! worker exit.
//! worker exit.
//! master exit.
//! ```
//!
//! Why four files: the demo has four parts a reader can take one at a time:
//! the wire protocol (`protocol.rs`), the master (`master.rs`), the worker
//! (`worker.rs`), and here the arguments and the self-contained default run.
//!
//! Why blocking `std::net` and a thread per connection, not tokio: each
//! connection is a short conversation that reads top to bottom, and a master
//! has a handful of workers, not thousands; threads keep it plain std.

mod master;
mod protocol;
mod worker;

use std::error::Error;
use std::net::TcpListener;
use std::process::{Child, Command, ExitCode};
use std::thread;
use std::time::{Duration, Instant};

const KEY_ENV: &str = "DISTRIBUTED_DEMO_AUTHKEY";
/// The tutorial's address (its port 5000), for the `master` and `worker` roles.
const DEFAULT_ADDR: &str = "127.0.0.1:5000";
const DEMO_WORKERS: usize = 2;

const USAGE: &str = "usage:
  distributed-demo [--tasks N] [--timeout SECS]  a master and 2 workers on 127.0.0.1
  distributed-demo master [--listen ADDR] [--tasks N] [--timeout SECS]
  distributed-demo worker [--connect ADDR] [--delay-ms MS]
options for all: --authkey KEY (or the DISTRIBUTED_DEMO_AUTHKEY variable, which
  `ps` does not show); defaults: ADDR 127.0.0.1:5000, N 10, SECS 30, MS 100";

struct Options {
    role: Option<String>,
    addr: String,
    tasks: u32,
    key: Option<String>,
    delay: Duration,
    timeout: Duration,
}

fn main() -> ExitCode {
    match parse_args().and_then(run) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(options: Option<Options>) -> Result<(), Box<dyn Error>> {
    let Some(o) = options else {
        println!("{USAGE}");
        return Ok(());
    };
    let key = o.key.clone().or_else(|| std::env::var(KEY_ENV).ok());
    if key.as_deref() == Some("") {
        return Err("the key must not be empty".into());
    }
    let need_key = || format!("no key: pass --authkey KEY or set {KEY_ENV}");
    match o.role.as_deref() {
        Some("master") => {
            let key = key.ok_or_else(need_key)?.into_bytes();
            let listener =
                TcpListener::bind(&o.addr).map_err(|e| format!("listening on {}: {e}", o.addr))?;
            println!("Listening on {}", listener.local_addr()?); // a port 0 became a real one
            master::run(listener, key, o.tasks, o.timeout)
        }
        Some(_) => worker::run(&o.addr, key.ok_or_else(need_key)?.as_bytes(), o.delay),
        None => demo(&o, key),
    }
}

/// The default run: a master in this process, on a port the OS picks, and
/// worker processes started from this same binary.
fn demo(o: &Options, key: Option<String>) -> Result<(), Box<dyn Error>> {
    // Unless one is given, a fresh random key for this run. The workers get it
    // through their environment: on the command line, `ps` would show it.
    let key = key.unwrap_or_else(|| {
        (0..16)
            .map(|_| format!("{:02x}", rand::random::<u8>()))
            .collect()
    });
    let listener =
        TcpListener::bind("127.0.0.1:0").map_err(|e| format!("listening on 127.0.0.1:0: {e}"))?;
    let addr = listener.local_addr()?.to_string();
    println!("Listening on {addr}");
    let mut workers = Workers(Vec::new());
    for _ in 0..DEMO_WORKERS {
        let mut worker = Command::new(std::env::current_exe()?);
        worker
            .args(["worker", "--connect", &addr])
            .env(KEY_ENV, &key);
        workers.0.push(
            worker
                .spawn()
                .map_err(|e| format!("starting a worker: {e}"))?,
        );
    }
    master::run(listener, key.into_bytes(), o.tasks, o.timeout)?;
    workers.wait_all(o.timeout)
}

/// The demo's worker processes. Dropping this kills and reaps any still
/// running, so that even an error leaves no process behind.
struct Workers(Vec<Child>);

impl Workers {
    /// Each worker must end by itself, successfully, once told "no more work".
    fn wait_all(&mut self, patience: Duration) -> Result<(), Box<dyn Error>> {
        let deadline = Instant::now() + patience;
        for child in &mut self.0 {
            while child.try_wait()?.is_none() {
                if Instant::now() > deadline {
                    return Err(format!("worker {} did not exit", child.id()).into());
                }
                thread::sleep(Duration::from_millis(20));
            }
            let status = child.wait()?; // already exited: returns at once
            if !status.success() {
                return Err(format!("worker {} failed ({status})", child.id()).into());
            }
        }
        Ok(())
    }
}

impl Drop for Workers {
    fn drop(&mut self) {
        for child in &mut self.0 {
            let _ = child.kill(); // does nothing to a child already reaped
            let _ = child.wait();
        }
    }
}

/// Hand-parsed arguments (see USAGE); `Ok(None)` means `--help`.
fn parse_args() -> Result<Option<Options>, Box<dyn Error>> {
    let mut args = std::env::args().skip(1).peekable();
    let role = args.next_if(|a| a == "master" || a == "worker");
    let mut o = Options {
        role,
        addr: DEFAULT_ADDR.to_string(),
        tasks: 10,
        key: None,
        delay: Duration::from_millis(100),
        timeout: Duration::from_secs(30),
    };
    let (master, worker) = (
        o.role.as_deref() == Some("master"),
        o.role.as_deref() == Some("worker"),
    );
    while let Some(flag) = args.next() {
        if flag == "-h" || flag == "--help" {
            return Ok(None);
        }
        if !flag.starts_with("--") {
            return Err(format!("unexpected argument {flag:?} (try --help)").into());
        }
        // The value is taken only by a flag that this role accepts, so a wrong flag is
        // named as such rather than as one missing its value.
        let mut value = || {
            args.next()
                .ok_or_else(|| format!("{flag} needs a value (try --help)"))
        };
        let number = |value: String| {
            value
                .parse::<u32>()
                .map_err(|_| format!("{flag} wants a whole number, not {value:?}"))
        };
        match flag.as_str() {
            "--listen" if master => o.addr = value()?,
            "--connect" if worker => o.addr = value()?,
            "--tasks" if !worker => o.tasks = number(value()?)?,
            "--timeout" if !worker => o.timeout = Duration::from_secs(number(value()?)?.into()),
            "--delay-ms" if worker => o.delay = Duration::from_millis(number(value()?)?.into()),
            "--authkey" => o.key = Some(value()?),
            _ => return Err(format!("unexpected argument {flag:?} here (try --help)").into()),
        }
    }
    Ok(Some(o))
}
