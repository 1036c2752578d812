//! Distributed processes: a master serves a task queue over TCP, and workers,
//! on this machine or others, connect, take numbers and send back `n * n`.
//! Master and worker prove to each other that they know a shared key by
//! HMAC-SHA256 challenge-response; the key itself never travels. A worker that
//! dies while it holds a task does not lose it: the master hands it out again.
//!
//! Python: the tutorial's task_master.py / task_worker.py (Liao Xuefeng's Python
//! tutorial, 进程和线程 / 分布式进程), a `multiprocessing.managers.BaseManager`
//! sharing a task queue and a result queue over the network;
//! `distributed_demo.py` is the twin.
//!
//! Run with: cargo run -p distributed-demo
//! (a master on 127.0.0.1 and three worker processes, the first killed while it
//! holds a task; or run the roles yourself:
//! `DISTRIBUTED_DEMO_AUTHKEY=abc cargo run -p distributed-demo -- master`, and in
//! other terminals `DISTRIBUTED_DEMO_AUTHKEY=abc cargo run -p distributed-demo -- worker`)
//!
//! Expected output (numbers and port are random; the order of lines may vary):
//! ```text
//! Listening on 127.0.0.1:41234
//! Put task 3411...
//! ...
//! Try get results...
//! Connect to server 127.0.0.1:41234...
//! Handshake ok: worker-1 and the master share the key.
//! run task 3411 * 3411...
//! Killed worker-1 in the middle of: run task 3411 * 3411...
//! lost worker-1 on task 3411; it goes back to the queue
//! Connect to server 127.0.0.1:41234...
//! Handshake ok: worker-2 and the master share the key.
//! run task 3411 * 3411...
//! Result: 3411 * 3411 = 11634921 (from worker-2)
//! ...
//! worker exit.
//! worker exit.
//! master exit.
//! ```
//!
//! Three files, parts a reader can take one at a time: the default run, the
//! arguments and the worker (here), the wire protocol (`protocol.rs`) and the
//! master (`master.rs`). Blocking `std::net` and a thread per connection, not
//! tokio: a master has a handful of workers, and each conversation reads top to
//! bottom. The master serves 16 connections at a time; a handshake not over in
//! 1 s is closed; a worker silent for 3 s while it holds a task loses it (a lease:
//! the task goes back); every message on either side has a deadline; a square is
//! checked, not believed; and once every result is in, the master exits.
//!
//! To copy: `cargo add clap@4 --features derive`,
//! `cargo add serde@1 --features derive` and
//! `cargo add serde_json@1 hmac@0.13 sha2@0.11 rand@0.10`, then the three files
//! (`main.rs`, `master.rs`, `protocol.rs`) into `src/`.

mod master;
mod protocol;

use clap::{Args, Parser, Subcommand};
use master::Master;
use protocol::Msg;
use std::process::{Child, Command, Stdio};
use std::{error::Error, io::BufRead, io::BufReader, net::TcpStream, thread, time::Duration};

const KEY_ENV: &str = "DISTRIBUTED_DEMO_AUTHKEY"; // in the environment, `ps` does not show it
const DEMO_TASKS: u32 = 10;
const DEMO_TIMEOUT: Duration = Duration::from_secs(30);

fn demo(key: Option<String>) -> Result<(), Box<dyn Error>> {
    // Unless one is given, a fresh random key; the workers get it in their environment.
    let key = key.unwrap_or_else(|| format!("{:032x}", rand::random::<u128>()));
    let master = Master::start("127.0.0.1:0", key.clone().into_bytes(), DEMO_TASKS)?;
    let addr = master.addr.to_string();
    let start = |name: &str, delay_ms: &str, stdout: Stdio| {
        Command::new(std::env::current_exe()?)
            .args(["worker", "--connect", &addr, "--name", name])
            .args(["--delay-ms", delay_ms])
            .env(KEY_ENV, &key)
            .stdout(stdout)
            .spawn()
            .map(KillOnDrop)
    };
    // worker-1 is killed as soon as it holds a task: the master must hand it to another.
    let mut first = start("worker-1", "1000", Stdio::piped())?;
    let stdout = first.0.stdout.take().expect("stdout was piped");
    let lines = BufReader::new(stdout).lines().map_while(Result::ok);
    let task = (lines.inspect(|line| println!("{line}"))) // its lines, passed on
        .find(|line| line.starts_with("run task "))
        .ok_or("worker-1 ended before it took a task")?;
    // Holding both outputs, the master's lines on the loss (its effect) come after this one.
    let held = (std::io::stdout().lock(), std::io::stderr().lock());
    first.0.kill()?;
    first.0.wait()?;
    println!("Killed worker-1 in the middle of: {task}");
    drop(held);
    let [second, third] = ["worker-2", "worker-3"].map(|name| start(name, "100", Stdio::inherit()));
    let mut others = [second?, third?];
    master.collect(DEMO_TIMEOUT)?;
    for worker in &mut others {
        worker.0.wait()?; // told "no more work", each worker ends by itself
    }
    Ok(())
}

/// A master serves a task queue over TCP; workers send back n * n. With no subcommand:
/// a master and three workers on 127.0.0.1. The key: $DISTRIBUTED_DEMO_AUTHKEY.
#[derive(Parser)]
struct Cli {
    #[command(subcommand)]
    role: Option<Role>,
}

#[derive(Subcommand)]
enum Role {
    /// Serve the task queue, as task_master.py
    Master(MasterArgs),
    /// Take tasks from a master, as task_worker.py
    Worker(WorkerArgs),
}

#[derive(Args)]
struct MasterArgs {
    #[arg(long, default_value = "127.0.0.1:5000")]
    listen: String,
    /// How many numbers to square
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=1000))]
    tasks: u32,
    /// Give up when the results are not all in after this many seconds
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3600))]
    timeout: u64,
}

#[derive(Args)]
struct WorkerArgs {
    #[arg(long, default_value = "127.0.0.1:5000")]
    connect: String,
    /// The name the master prints with this worker's results
    #[arg(long, default_value_t = format!("worker-{}", std::process::id()))]
    name: String,
    /// How long each task takes, in milliseconds (the master's lease on a task is 3 s)
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u64).range(..=1000))]
    delay_ms: u64,
    /// Give up when the master says nothing for this many seconds
    #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=3600))]
    timeout: u64,
}

fn main() -> Result<(), Box<dyn Error>> {
    let role = Cli::parse().role;
    let key = std::env::var(KEY_ENV).ok().filter(|key| !key.is_empty());
    let Some(role) = role else { return demo(key) };
    let key = key.ok_or(format!("no key: set {KEY_ENV} to a shared secret"))?;
    match role {
        Role::Master(args) => Master::start(&args.listen, key.into_bytes(), args.tasks)?
            .collect(Duration::from_secs(args.timeout)),
        Role::Worker(args) => worker(&args, key.as_bytes()),
    }
}

fn worker(args: &WorkerArgs, key: &[u8]) -> Result<(), Box<dyn Error>> {
    let (addr, name) = (&args.connect, &args.name);
    println!("Connect to server {addr}...");
    let stream = TcpStream::connect(addr).map_err(|e| format!("connecting to {addr}: {e}"))?;
    let limit = Duration::from_secs(args.timeout); // per message: no silent master holds us forever
    stream.set_nodelay(true)?; // small request/reply messages: send each at once
    let failed = |e: std::io::Error| format!("the master at {addr}: {e}");
    protocol::log_in(&stream, key, name, limit).map_err(failed)?;
    println!("Handshake ok: {name} and the master share the key.");
    loop {
        protocol::send(&stream, &Msg::GetTask).map_err(failed)?;
        let n = match protocol::recv(&stream, limit).map_err(failed)? {
            Msg::Task(n) => n,
            Msg::NoMoreWork => break,
            other => return Err(format!("unexpected from the master: {other:?}").into()),
        };
        println!("run task {n} * {n}...");
        thread::sleep(Duration::from_millis(args.delay_ms)); // the tutorial's worker sleeps too
        protocol::send(&stream, &Msg::Square(n, u64::from(n) * u64::from(n))).map_err(failed)?;
    }
    println!("worker exit.");
    Ok(())
}

struct KillOnDrop(Child); // dropped, it kills and reaps: no path, an error included, leaves it

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill(); // does nothing to a child already reaped
        let _ = self.0.wait();
    }
}
