//! A pool of 4 worker processes running 5 tasks, then `map` through a pool.
//!
//! Each worker is this same program started again in a worker role. The
//! parent sends it one job per line on its stdin and reads what it prints
//! from its stdout. A thread per worker takes the next job from a shared
//! queue only when its worker has finished the last one, so the fifth task
//! waits for a free worker. Each line is stamped with the milliseconds since
//! the parent started, when the parent reads it.
//!
//! Python needs processes to use several cores (the GIL); Rust threads
//! already can. A process pool still earns its place in Rust when a task may
//! crash or leak, since each worker has its own memory.
//!
//! Python: `p = Pool(4); p.apply_async(long_time_task, (i,))` for 5 tasks;
//! then `p.map(f, [1, 2, 3, 4, 5])`.
//!
//! Run with: cargo run -p pool-demo
//!
//! Expected output (PIDs and times differ; order may vary, but the fifth
//! "Run task" line always comes after a "Task ... runs" line):
//!
//! ```text
//! Parent process 669.
//! Waiting for all subprocesses done...
//! [   3 ms] Run task 0 (671)...
//! [   3 ms] Run task 1 (672)...
//! [   4 ms] Run task 2 (673)...
//! [   4 ms] Run task 3 (674)...
//! [ 148 ms] Task 2 runs 0.14 seconds.
//! [ 149 ms] Run task 4 (673)...
//! [ 215 ms] Task 1 runs 0.21 seconds.
//! [ 301 ms] Task 3 runs 0.30 seconds.
//! [ 342 ms] Task 0 runs 0.34 seconds.
//! [ 420 ms] Task 4 runs 0.27 seconds.
//! All subprocesses done.
//! Pool.map(x * x, [1, 2, 3, 4, 5]) = [1, 4, 9, 16, 25]
//! ```
//!
//! Cross-platform. To copy: add `rand = "0.10"`.

use rand::RngExt;
use std::error::Error;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

const WORKERS: usize = 4;
const TASKS: u32 = 5;
/// How long one task sleeps, in milliseconds, chosen at random by the worker.
const TASK_MS: std::ops::RangeInclusive<u64> = 50..=350;
const WORKER_ROLE: &str = "worker";
/// The line a worker prints when it has finished a job.
const DONE: &str = "done";

/// A line a worker printed, with the ms since start when the parent read it;
/// or why a pool thread failed.
type Event = Result<(u128, String), String>;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let outcome = match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        [] => parent(),
        [WORKER_ROLE] => worker(),
        ["-h" | "--help"] => {
            println!("usage: pool-demo\n\nRuns 5 tasks on a pool of {WORKERS} worker processes.");
            println!("(`pool-demo {WORKER_ROLE}` is the worker's role, used internally.)");
            Ok(())
        }
        _ => Err(format!("unexpected arguments {args:?} (try --help)").into()),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn parent() -> Result<(), Box<dyn Error>> {
    let start = Instant::now();
    println!("Parent process {}.", std::process::id());
    let mut pool = Pool::new(WORKERS, start)?;
    for task in 0..TASKS {
        pool.submit(format!("task {task}"))?; // like apply_async: returns at once
    }
    println!("Waiting for all subprocesses done...");
    // Each task prints two lines: when it starts and when it ends.
    for _ in 0..2 * TASKS {
        let (at_ms, line) = pool.events.recv()??;
        println!("[{at_ms:>4} ms] {line}");
    }
    pool.shut_down()?;
    println!("All subprocesses done.");

    // `with Pool(4) as p: p.map(f, xs)`. Answers come back in any order, so
    // each names its input, and the results are put back in input order.
    let xs = [1, 2, 3, 4, 5];
    let mut pool = Pool::new(WORKERS, start)?;
    for x in xs {
        pool.submit(format!("square {x}"))?;
    }
    let mut answers = Vec::new();
    for _ in xs {
        let (_, line) = pool.events.recv()??;
        let (x, square) = line.split_once(' ').ok_or(format!("bad answer {line:?}"))?;
        answers.push((x.parse::<u64>()?, square.parse::<u64>()?));
    }
    pool.shut_down()?;
    answers.sort_unstable();
    let squares: Vec<u64> = answers.into_iter().map(|(_, square)| square).collect();
    println!("Pool.map(x * x, {xs:?}) = {squares:?}");
    Ok(())
}

struct Pool {
    jobs: Option<Sender<String>>,
    events: Receiver<Event>,
    threads: Vec<JoinHandle<()>>,
}

impl Pool {
    fn new(size: usize, start: Instant) -> Result<Pool, Box<dyn Error>> {
        let exe =
            std::env::current_exe().map_err(|e| format!("could not find this program: {e}"))?;
        let (job_tx, job_rx) = channel();
        // One queue, many takers: the receiving end is shared behind a mutex.
        let job_rx = Arc::new(Mutex::new(job_rx));
        let (event_tx, events) = channel();
        let mut pool = Pool {
            jobs: Some(job_tx),
            events,
            threads: Vec::new(),
        };
        for _ in 0..size {
            // On error, `pool` is dropped, which stops the workers started so far.
            let worker = Command::new(&exe)
                .arg(WORKER_ROLE)
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .spawn()
                .map_err(|e| format!("could not start a worker: {e}"))?;
            let (job_rx, event_tx) = (Arc::clone(&job_rx), event_tx.clone());
            pool.threads.push(thread::spawn(move || {
                if let Err(why) = serve(worker, &job_rx, &event_tx, start) {
                    // Fails only if main has stopped listening, i.e. is already failing.
                    let _ = event_tx.send(Err(why));
                }
            }));
        }
        Ok(pool)
    }

    fn submit(&self, job: String) -> Result<(), String> {
        let jobs = self.jobs.as_ref().ok_or("the pool is shut down")?;
        jobs.send(job)
            .map_err(|_| "every pool thread has stopped".to_string())
    }

    /// `close()` then `join()`: no more jobs, so each thread finishes its
    /// last one, closes its worker's stdin and reaps it.
    fn shut_down(&mut self) -> Result<(), String> {
        self.jobs = None;
        // Join every thread before reporting a panic, so no worker is left unreaped.
        let panicked = self
            .threads
            .drain(..)
            .filter_map(|h| h.join().err())
            .count();
        if panicked > 0 {
            return Err(format!("{panicked} pool thread(s) panicked"));
        }
        self.events
            .try_iter()
            .find_map(Result::err)
            .map_or(Ok(()), Err)
    }
}

impl Drop for Pool {
    /// On an early return, still reap every worker.
    fn drop(&mut self) {
        let _ = self.shut_down(); // the error that brought us here is already on its way
    }
}

/// One pool thread: hands jobs to its worker one at a time and forwards what
/// it prints, until the queue is closed. It always reaps its worker.
fn serve(
    mut worker: Child,
    jobs: &Mutex<Receiver<String>>,
    events: &Sender<Event>,
    start: Instant,
) -> Result<(), String> {
    let mut to_worker = worker.stdin.take().expect("stdin was piped");
    let mut from_worker = BufReader::new(worker.stdout.take().expect("stdout was piped")).lines();
    let mut run_jobs = || -> Result<(), String> {
        loop {
            // The lock is held only while waiting for a job, never while working.
            let next = jobs
                .lock()
                .expect("only recv runs under this lock, and it does not panic")
                .recv();
            let Ok(job) = next else { return Ok(()) }; // the queue is closed
            writeln!(to_worker, "{job}")
                .map_err(|e| format!("could not write to a worker: {e}"))?;
            loop {
                let line = from_worker.next().ok_or("a worker exited early")?;
                let line = line.map_err(|e| format!("could not read from a worker: {e}"))?;
                if line == DONE {
                    break;
                }
                let event = Ok((start.elapsed().as_millis(), line));
                events
                    .send(event)
                    .map_err(|_| "main stopped listening".to_string())?;
            }
        }
    };
    let outcome = run_jobs();
    if outcome.is_err() {
        let _ = worker.kill(); // it may be stuck; it may also be gone already
    }
    drop(to_worker); // end of input: the worker's loop ends and it exits
    let status = worker
        .wait()
        .map_err(|e| format!("could not wait for a worker: {e}"))?;
    outcome?;
    status
        .success()
        .then_some(())
        .ok_or(format!("a worker failed: {status}"))
}

/// The worker role: runs one job per line of stdin, until end of input.
fn worker() -> Result<(), Box<dyn Error>> {
    let pid = std::process::id();
    let mut out = std::io::stdout().lock();
    for line in std::io::stdin().lock().lines() {
        let line = line?;
        match line.split_once(' ') {
            Some(("task", name)) => {
                writeln!(out, "Run task {name} ({pid})...")?;
                out.flush()?; // the parent is waiting for this line now, not at the end
                let began = Instant::now();
                thread::sleep(Duration::from_millis(rand::rng().random_range(TASK_MS)));
                writeln!(
                    out,
                    "Task {name} runs {:.2} seconds.",
                    began.elapsed().as_secs_f64()
                )?;
            }
            Some(("square", x)) => writeln!(out, "{x} {}", x.parse::<u64>()?.pow(2))?,
            _ => return Err(format!("worker {pid}: unknown job {line:?}").into()),
        }
        writeln!(out, "{DONE}")?;
        out.flush()?;
    }
    Ok(())
}
