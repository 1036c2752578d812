//! Distributed processes on a real message broker: the master puts numbers on a task
//! queue in Redis, workers take them and send back `n * n`. Delivery is at least once: a
//! worker killed while it holds a task does not lose it, another worker takes it over;
//! the master counts each task id once; a task that keeps killing its workers is given
//! up after 3 deliveries. The Redis password travels in the URL.
//!
//! Python: the tutorial's task_master.py / task_worker.py (a `BaseManager` sharing two
//! queues), moved onto a broker as RQ or Celery users do; `broker_demo.py` (redis-py)
//! speaks the same JSON messages, so Python and Rust masters and workers mix.
//!
//! Run with: cargo run -p broker-demo
//! (its own redis-server, a master and two workers, one killed mid-task; or your own
//! Redis: `export REDIS_URL=redis://:PASSWORD@127.0.0.1:6379`, then
//! `cargo run -p broker-demo -- master --tasks 10` and, elsewhere, `... -- worker`)
//!
//! Expected output (numbers and PIDs vary, and so does the order):
//! ```text
//! Started redis-server on 127.0.0.1:41234 (a password, no persistence)
//! Put task 3411...
//! ...
//! Try get results...
//! Connect to server 127.0.0.1:41234...
//! run task 3411 * 3411...
//! Result: 3411 * 3411 = 11634921
//! Killed worker 5120 while it held a task: another worker takes it after 2 s
//! task 4 redelivered (delivery 2)
//! ...
//! master exit.
//! worker exit.
//! ```
//!
//! Why the redis crate's blocking API, not its async one: each process does one thing at a
//! time (the master waits for the next reply, a worker for its next task), so blocking
//! calls read top to bottom and need no runtime.
//!
//! To copy: `cargo add redis@1 serde_json@1 rand@0.10`, `cargo add serde@1 --features
//! derive` and `cargo add clap@4 --features derive,env` (and `demo.rs` beside this file).

mod demo;

use std::collections::HashMap;
use std::error::Error;
use std::process::ExitCode;
use std::thread;
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand};
use redis::streams::{StreamAutoClaimOptions, StreamId, StreamReadOptions};
use redis::{Connection, RedisResult, TypedCommands};
use serde::{Deserialize, Serialize};

// Streams with a consumer group, not lists with BLMOVE and a reaper: the group's pending
// list already records which worker holds which task, since when, and how many times it
// was delivered, so taking over a dead worker's task (XAUTOCLAIM) and the poison limit
// need no reaper process and no bookkeeping of our own.
const TASKS: &str = "broker-demo:tasks"; // a stream of Task messages
const GROUP: &str = "workers"; // every worker reads TASKS through this group
const RESULTS: &str = "broker-demo:results"; // a list of Reply messages, for the master
const DONE: &str = "broker-demo:done"; // set by the master once every result is in
/// A task held this long without an ack is taken to belong to a dead worker.
const CLAIM_AFTER: Duration = Duration::from_secs(2);
/// A task delivered this often without an ack is poison: given up, not run again.
const MAX_DELIVERIES: usize = 3;
const WORK: Duration = Duration::from_millis(300); // the tutorial sleeps 1 s per task
/// How long a master waits for the next reply, and a worker for its next task.
const PATIENCE: Duration = Duration::from_secs(15);
const NETWORK_LIMIT: Duration = Duration::from_secs(20); // longer than any BLOCK or BLPOP
const MAX_MESSAGE: usize = 1024; // bytes; a longer message is malformed

#[derive(Serialize, Deserialize)]
struct Task {
    id: u32,
    n: u32, // u32, so that n * n fits a u64 whatever a peer sends
}

/// A worker's answer to task `id`; `square` is `None` when the task was given up.
#[derive(Serialize, Deserialize)]
struct Reply {
    id: u32,
    square: Option<u64>,
}

fn main() -> ExitCode {
    let result = match Cli::parse().role {
        Some(Role::Master { redis, tasks }) => master(&redis, tasks),
        Some(Role::Worker {
            redis,
            crash_on_task,
        }) => worker(&redis, crash_on_task),
        None => demo::run(),
    };
    if let Err(e) = result {
        eprintln!("error: {e}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

// ANCHOR: idea
fn master(url: &str, tasks: u32) -> Result<(), Box<dyn Error>> {
    let (mut redis, _) = connect(url)?;
    // One master per queue: a new run starts from an empty queue and no old results.
    redis.del(&[TASKS, RESULTS, DONE])?;
    redis.xgroup_create_mkstream(TASKS, GROUP, "$")?;
    let mut waiting = HashMap::new();
    for id in 1..=tasks {
        let n = rand::random_range(0..10000);
        println!("Put task {n}...");
        let task = serde_json::to_string(&Task { id, n })?;
        redis.xadd(TASKS, "*", &[("task", task)])?;
        waiting.insert(id, n);
    }
    println!("Try get results...");
    while !waiting.is_empty() {
        let Some([_, json]) = redis.blpop(RESULTS, PATIENCE.as_secs_f64())? else {
            return Err(format!("no reply in {PATIENCE:?}, {} missing", waiting.len()).into());
        };
        let Some(reply) = parse::<Reply>(&json) else {
            println!("malformed reply dropped");
            continue;
        };
        // At least once: a task done twice replies twice. Each id counts once, here.
        match (waiting.remove(&reply.id), reply.square) {
            (Some(n), Some(square)) => println!("Result: {n} * {n} = {square}"),
            (Some(n), None) => println!(
                "Gave up task {} ({n} * {n}) after {MAX_DELIVERIES} deliveries",
                reply.id
            ),
            (None, _) => println!("Extra reply to task {} dropped", reply.id),
        }
    }
    // The workers stop when they see this; it expires, so it cannot stop a later run's.
    redis.set_ex(DONE, 1, 10)?;
    println!("master exit.");
    Ok(())
}

fn worker(url: &str, crash_on_task: Option<u32>) -> Result<(), Box<dyn Error>> {
    let (mut redis, addr) = connect(url)?;
    println!("Connect to server {addr}...");
    let me = format!("worker-{}", std::process::id()); // its name in the group
    let mut last_task = Instant::now();
    while !redis.exists(DONE)? && last_task.elapsed() < PATIENCE {
        let Some((entry, deliveries)) = next_task(&mut redis, &me)? else {
            continue;
        };
        last_task = Instant::now();
        let Some(task) = entry
            .get::<String>("task")
            .and_then(|json| parse::<Task>(&json))
        else {
            println!("malformed task {} dropped", entry.id);
            redis.xack(TASKS, GROUP, &[&entry.id])?; // so that it is not delivered again
            continue;
        };
        // Past MAX_DELIVERIES the task is given up (no square), not run again.
        let square = (deliveries <= MAX_DELIVERIES).then(|| run(&task, deliveries, crash_on_task));
        let reply = serde_json::to_string(&Reply {
            id: task.id,
            square,
        })?;
        redis.rpush(RESULTS, reply)?;
        // Ack only now that the reply is out: a worker that dies before this line leaves
        // the task pending, and another worker takes it over.
        redis.xack(TASKS, GROUP, &[&entry.id])?;
    }
    println!("worker exit.");
    Ok(())
}
// ANCHOR_END: idea

/// Runs `task` as the tutorial's worker does: a short sleep, then `n * n`.
fn run(task: &Task, deliveries: usize, crash_on_task: Option<u32>) -> u64 {
    if deliveries > 1 {
        println!("task {} redelivered (delivery {deliveries})", task.id);
    }
    println!("run task {} * {}...", task.n, task.n);
    if crash_on_task == Some(task.id) {
        std::process::exit(3); // no ack: the task stays pending, held by no one
    }
    thread::sleep(WORK);
    u64::from(task.n) * u64::from(task.n)
}

/// The next task for worker `me`, and how many times it has been delivered: first one a
/// worker has held longer than CLAIM_AFTER (XAUTOCLAIM), else a new one (XREADGROUP,
/// waiting up to 1 s). `None` if there is none, or no queue yet.
fn next_task(redis: &mut Connection, me: &str) -> RedisResult<Option<(StreamId, usize)>> {
    let idle_ms = CLAIM_AFTER.as_millis() as usize;
    let one = StreamAutoClaimOptions::default().count(1);
    let mut entries = match redis.xautoclaim_options(TASKS, GROUP, me, idle_ms, "0", one) {
        Ok(reply) => reply.claimed,
        Err(e) if e.code() == Some("NOGROUP") => {
            thread::sleep(Duration::from_secs(1)); // the master has not started yet
            return Ok(None);
        }
        Err(e) => return Err(e),
    };
    if entries.is_empty() {
        let new = StreamReadOptions::default()
            .group(GROUP, me)
            .count(1)
            .block(1000);
        let read = redis.xread_options(&[TASKS], &[">"], &new)?;
        entries = read
            .into_iter()
            .flat_map(|r| r.keys)
            .flat_map(|k| k.ids)
            .collect();
    }
    let Some(entry) = entries.pop() else {
        return Ok(None);
    };
    // The broker counts the deliveries, this one included.
    let pending = redis.xpending_count(TASKS, GROUP, &entry.id, &entry.id, 1)?;
    let deliveries = pending.ids.first().map_or(1, |p| p.times_delivered);
    Ok(Some((entry, deliveries)))
}

/// A connection whose every read and write has a deadline, with its HOST:PORT for
/// messages (the URL itself may hold a password).
fn connect(url: &str) -> Result<(Connection, String), Box<dyn Error>> {
    let client = redis::Client::open(url)
        .map_err(|e| format!("not a Redis URL (redis://[:PASSWORD@]HOST:PORT): {e}"))?;
    let addr = client.get_connection_info().addr().to_string();
    let redis = client
        .get_connection_with_timeout(NETWORK_LIMIT)
        .and_then(|mut c| c.ping().map(|_| c)) // a wrong or missing password fails here
        .map_err(|e| format!("Redis at {addr}: {e}"))?;
    redis.set_read_timeout(Some(NETWORK_LIMIT))?;
    redis.set_write_timeout(Some(NETWORK_LIMIT))?;
    Ok((redis, addr))
}

/// A message off the broker, or `None` if it is too long or not what we expect.
fn parse<T: for<'a> Deserialize<'a>>(json: &str) -> Option<T> {
    (json.len() <= MAX_MESSAGE).then(|| serde_json::from_str(json).ok())?
}

/// Master and workers over Redis; with no role, a whole run on a redis-server of its own.
#[derive(Parser)]
struct Cli {
    #[command(subcommand)]
    role: Option<Role>,
}

#[derive(Subcommand)]
enum Role {
    /// Put N tasks on the queue, then print each result once.
    Master {
        /// redis://[:PASSWORD@]HOST:PORT
        #[arg(long, env = "REDIS_URL", hide_env_values = true)]
        redis: String,
        #[arg(long, default_value_t = 10)]
        tasks: u32,
    },
    /// Take tasks and send back n * n until the master is done.
    Worker {
        /// redis://[:PASSWORD@]HOST:PORT
        #[arg(long, env = "REDIS_URL", hide_env_values = true)]
        redis: String,
        /// Exit at once when handed this task id, as on a task that crashes its worker.
        #[arg(long)]
        crash_on_task: Option<u32>,
    },
}
