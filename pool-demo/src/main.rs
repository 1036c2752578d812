//! A pool of 4 worker processes running 5 tasks, then `map` through a pool.
//!
//! Each worker is this same program started again in a worker role. The
//! parent hands a worker one job at a time on its stdin and reads what it
//! prints from its stdout. A worker gets its next job only once it has
//! finished the last one, so the fifth task waits for a free worker.
//!
//! Python needs processes to use several cores (the GIL); Rust threads
//! already can. A process pool still earns its place in Rust when a task may
//! crash or leak, since each worker has its own memory.
//!
//! Python: `p = Pool(4); p.apply_async(long_time_task, (i,))` for 5 tasks,
//! `p.close(); p.join()`; then `p.map(f, [1, 2, 3, 4, 5])`
//! (Liao Xuefeng's Python tutorial, 进程和线程 / 多进程, Pool).
//!
//! Run with: cargo run -p pool-demo
//!
//! Expected output (PIDs and times differ; the order of the task lines
//! varies, but the fifth "Run task" line always comes after a "Task ... runs"
//! line of the worker it runs on):
//!
//! ```text
//! Parent process 669.
//! Waiting for all subprocesses done...
//! Run task 0 (671)...
//! Run task 1 (672)...
//! Run task 2 (673)...
//! Run task 3 (674)...
//! Task 2 runs 0.14 seconds.
//! Run task 4 (673)...
//! Task 1 runs 0.21 seconds.
//! Task 3 runs 0.30 seconds.
//! Task 0 runs 0.34 seconds.
//! Task 4 runs 0.27 seconds.
//! All subprocesses done.
//! Pool.map(x * x, [1, 2, 3, 4, 5]) = [1, 4, 9, 16, 25]
//! ```
//!
//! Cross-platform. To copy: `cargo add rand@0.10`

use rand::RngExt;
use std::error::Error;
use std::io::{self, BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::thread;
use std::time::{Duration, Instant};

const WORKERS: usize = 4;
const TASKS: u32 = 5;
const TASK_MS: std::ops::RangeInclusive<u64> = 50..=350; // a task sleeps this many ms, at random
const WORKER_ROLE: &str = "worker"; // the first argument that makes this program a worker
const DONE: &str = "done"; // the line a worker prints when it has finished a job

// ANCHOR: idea
fn main() -> Result<(), Box<dyn Error>> {
    // args_os, not args: args panics on an argument that is not UTF-8.
    match std::env::args_os().nth(1) {
        None => {}
        Some(role) if role == WORKER_ROLE => return worker(),
        Some(other) => {
            return Err(format!("unexpected argument '{}': none is taken", other.display()).into());
        }
    }
    println!("Parent process {}.", std::process::id());
    let tasks: Vec<String> = (0..TASKS).map(|i| format!("task {i}")).collect();
    println!("Waiting for all subprocesses done...");
    // `apply_async` for each task, then `close(); join()`: the tasks wait in
    // the pool's queue for a free worker; each line a worker prints is shown
    // as it arrives; it returns when all are done and every worker is reaped.
    run_pool(&tasks, |line| println!("{line}"))?;
    println!("All subprocesses done.");

    // `map`: each job's answer comes back in the order of the inputs.
    let xs = [1, 2, 3, 4, 5];
    let answers = run_pool(&xs.map(|x| format!("square {x}")), |_| {})?;
    let squares: Result<Vec<u64>, _> = answers.iter().map(|a| a.parse()).collect();
    println!("Pool.map(x * x, {xs:?}) = {:?}", squares?);
    Ok(())
}
// ANCHOR_END: idea

/// The worker role: runs one job per line of stdin, until end of input. (Rust's
/// stdout is line-buffered even into a pipe: the parent gets each line at once.)
fn worker() -> Result<(), Box<dyn Error>> {
    let pid = std::process::id();
    let mut out = io::stdout().lock();
    for job in io::stdin().lock().lines() {
        match job?.split_once(' ') {
            Some(("task", name)) => {
                writeln!(out, "Run task {name} ({pid})...")?;
                let start = Instant::now();
                thread::sleep(Duration::from_millis(rand::rng().random_range(TASK_MS)));
                let seconds = start.elapsed().as_secs_f64();
                writeln!(out, "Task {name} runs {seconds:.2} seconds.")?;
            }
            Some(("square", x)) => writeln!(out, "{}", x.parse::<u64>()?.pow(2))?,
            _ => return Err(format!("worker {pid}: unknown job").into()),
        }
        writeln!(out, "{DONE}")?;
    }
    Ok(())
}

/// Runs `jobs` on WORKERS worker processes, each job on the next free worker; `on_line`
/// sees every line as it arrives. Returns each job's last line, in job order.
fn run_pool(jobs: &[String], on_line: impl Fn(&str) + Sync) -> io::Result<Vec<String>> {
    let exe = std::env::current_exe()?;
    let queue = Mutex::new(jobs.iter().enumerate()); // the jobs not taken yet
    let next_job = || queue.lock().expect("no thread panics holding it").next();
    let answers = Mutex::new(vec![String::new(); jobs.len()]);
    // What each pool thread does with its own worker process.
    let serve = || -> io::Result<()> {
        let mut worker = Command::new(&exe)
            .arg(WORKER_ROLE)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()?;
        let mut to_worker = worker.stdin.take().expect("stdin was piped");
        let mut from_worker = BufReader::new(worker.stdout.take().expect("stdout was piped"));
        let mut run_jobs = || -> io::Result<()> {
            // Take the next job off the queue only when this worker is free.
            while let Some((i, job)) = next_job() {
                writeln!(to_worker, "{job}")?;
                for line in (&mut from_worker).lines() {
                    let line = line?;
                    if line == DONE {
                        break;
                    }
                    on_line(&line);
                    answers.lock().expect("no thread panics holding it")[i] = line;
                }
            }
            Ok(())
        };
        let outcome = run_jobs();
        drop(to_worker); // end of input: the worker's loop ends and it exits
        let status = worker.wait()?;
        outcome?;
        if !status.success() {
            return Err(io::Error::other(format!("a worker failed: {status}")));
        }
        Ok(())
    };
    // One thread per worker process; the scope joins them all.
    thread::scope(|scope| -> io::Result<()> {
        let threads: Vec<_> = (0..WORKERS).map(|_| scope.spawn(serve)).collect();
        for thread in threads {
            thread.join().expect("it panics only if printing fails")?;
        }
        Ok(())
    })?;
    Ok(answers.into_inner().expect("no thread panics holding it"))
}
