//! Distributed processes on a real message broker: the master puts numbers on a task
//! queue in Redis, workers take them and send back `n * n`. Delivery is at least once: a
//! worker killed while it holds a task does not lose it, another worker takes it over;
//! the master counts each task id once and checks each square (a wrong one is that
//! worker's error, and the task goes out again); a task that keeps killing its workers is
//! given up after 3 deliveries. Each master's run has its own keys, so masters sharing
//! the queue and the workers never cross. The Redis password travels in the URL; Redis
//! must answer within 5 s; the demo's own redis-server goes when the demo goes.
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
//! Expected output (numbers and ports vary, and so does the order):
//! ```text
//! Started redis-server on 127.0.0.1:41234 (a password, no persistence)
//! Put task 3411...
//! ...
//! Try get results...
//! Connect to server 127.0.0.1:41234...
//! run task 3411 * 3411...
//! Result: 3411 * 3411 = 11634921
//! Killed worker-1 while it held a task: another worker takes it after 2 s
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
//! derive`, `cargo add clap@4 --features derive,env` and `cargo add nix@0.31 --features
//! process,signal` (and `queue.rs` and `demo.rs` beside this file).

mod demo;
mod queue;

use std::collections::HashMap;
use std::error::Error;
use std::process::ExitCode;
use std::{thread, time::Duration, time::Instant};

use clap::{Parser, Subcommand};
use queue::{connect, finish, key, next_task, parse, put};
use redis::TypedCommands;
use serde::{Deserialize, Serialize};

// Streams with a consumer group, not lists with BLMOVE and a reaper: the group's pending
// list already records which worker holds which task, since when, and how many times it
// was delivered, so taking over a dead worker's task (XAUTOCLAIM) and the poison limit
// need no reaper process and no bookkeeping of our own.
const TASKS: &str = "broker-demo:tasks"; // a stream of Task messages, for every master
const GROUP: &str = "workers"; // every worker reads TASKS through this group
/// A task held this long without an ack is taken to belong to a dead worker.
const CLAIM_AFTER: Duration = Duration::from_secs(2);
/// A task delivered this often without an ack is poison: given up, not run again.
const MAX_DELIVERIES: usize = 3;
const WORK: Duration = Duration::from_millis(300); // the tutorial sleeps 1 s per task
/// How long a master waits for the next reply, and a worker for its next task.
const PATIENCE: Duration = Duration::from_secs(15);
/// Redis must answer every command within this; no command blocks longer than 1 s.
const NETWORK_LIMIT: Duration = Duration::from_secs(5);
const MAX_MESSAGE: usize = 1024; // bytes; a longer message is malformed

#[derive(Serialize, Deserialize)]
struct Task {
    run: u64, // the master's own run: the reply goes to its keys, so masters never cross
    id: u32,
    n: u32, // u32, so that n * n fits a u64 whatever a peer sends
}

/// A worker's answer to task `id`; `square` is `None` when the task was given up.
#[derive(Serialize, Deserialize)]
struct Reply {
    id: u32,
    square: Option<u64>,
    worker: String,
}

fn main() -> ExitCode {
    let result = match Cli::parse().role {
        Some(Role::Master { redis, tasks }) => master(&redis, tasks),
        Some(Role::Worker(w)) => worker(&w.redis, &w.name, w.crash_on_task),
        None => demo::run(),
    };
    let Err(e) = result else {
        return ExitCode::SUCCESS;
    };
    match e.downcast_ref::<redis::RedisError>() {
        Some(e) if e.is_timeout() => eprintln!("error: Redis did not answer in {NETWORK_LIMIT:?}"),
        _ => eprintln!("error: {e}"),
    }
    ExitCode::FAILURE
}

// ANCHOR: idea
fn master(url: &str, tasks: u32) -> Result<(), Box<dyn Error>> {
    let (mut redis, _) = connect(url)?;
    let run = rand::random(); // this run's own keys: another master's replies never reach it
    if let Err(e) = redis.xgroup_create_mkstream(TASKS, GROUP, "$") {
        if e.code() != Some("BUSYGROUP") {
            return Err(e.into()); // BUSYGROUP: it is there already, which will do
        }
    }
    let mut waiting = HashMap::new();
    for id in 1..=tasks {
        let n = rand::random_range(0..10000);
        println!("Put task {n}...");
        put(&mut redis, &Task { run, id, n })?;
        waiting.insert(id, n);
    }
    println!("Try get results...");
    let mut deadline = Instant::now() + PATIENCE;
    while !waiting.is_empty() {
        if Instant::now() > deadline {
            return Err(format!("no reply in {PATIENCE:?}, {} missing", waiting.len()).into());
        }
        let Some([_, json]) = redis.blpop(key(run, "results"), 1.0)? else {
            continue;
        };
        deadline = Instant::now() + PATIENCE;
        let Some(reply) = parse::<Reply>(&json) else {
            println!("malformed reply dropped");
            continue;
        };
        // At least once: a task done twice replies twice. Each id counts once, here.
        let Some(&n) = waiting.get(&reply.id) else {
            println!("Extra reply to task {} dropped", reply.id);
            continue;
        };
        let (id, by) = (reply.id, &reply.worker);
        match reply.square {
            // Checked, not believed: a wrong square is that worker's error; the task goes again.
            Some(square) if square != u64::from(n) * u64::from(n) => {
                eprintln!("master: {by} answered {n} * {n} = {square}: wrong; task {id} goes back");
                put(&mut redis, &Task { run, id, n })?;
                continue;
            }
            Some(square) => println!("Result: {n} * {n} = {square}"),
            None => println!("Gave up task {id} ({n} * {n}) after {MAX_DELIVERIES} deliveries"),
        }
        waiting.remove(&id);
    }
    // The workers stop when they see this; it expires, as the replies left do at once.
    redis.set_ex(key(run, "done"), 1, 10)?;
    redis.del(key(run, "results"))?;
    println!("master exit.");
    Ok(())
}

fn worker(url: &str, me: &str, crash_on_task: Option<u32>) -> Result<(), Box<dyn Error>> {
    let (mut redis, addr) = connect(url)?;
    println!("Connect to server {addr}...");
    let (mut last_task, mut served) = (Instant::now(), None);
    loop {
        let Some((entry, deliveries)) = next_task(&mut redis, me)? else {
            // No task waiting: stop once the run served is done, or after PATIENCE.
            let done = |run| redis.exists(key(run, "done"));
            if served.map(done).transpose()? == Some(true) || last_task.elapsed() > PATIENCE {
                break;
            }
            continue;
        };
        last_task = Instant::now();
        let json: Option<String> = entry.get("task");
        let Some(task) = json.and_then(|json| parse::<Task>(&json)) else {
            println!("malformed task {} dropped", entry.id);
            finish(&mut redis, &entry.id)?; // so that it is not delivered again
            continue;
        };
        served = Some(task.run);
        // Past MAX_DELIVERIES the task is given up (no square), not run again.
        let square = (deliveries <= MAX_DELIVERIES).then(|| run(&task, deliveries, crash_on_task));
        let (id, worker) = (task.id, me.to_string());
        let reply = serde_json::to_string(&Reply { id, square, worker })?;
        redis.rpush(key(task.run, "results"), reply)?;
        // Ack only now that the reply is out: a worker that dies before this line leaves
        // the task pending, and another worker takes it over.
        finish(&mut redis, &entry.id)?;
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
        #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=1000))]
        tasks: u32,
    },
    /// Take tasks and send back n * n until the master is done.
    Worker(WorkerArgs),
}

#[derive(clap::Args)]
struct WorkerArgs {
    /// redis://[:PASSWORD@]HOST:PORT
    #[arg(long, env = "REDIS_URL", hide_env_values = true)]
    redis: String,
    /// Its name in the consumer group, and on its replies
    #[arg(long, default_value_t = format!("worker-{}", std::process::id()))]
    name: String,
    /// Exit at once when handed this task id, as on a task that crashes its worker.
    #[arg(long)]
    crash_on_task: Option<u32>,
}
