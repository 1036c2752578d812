//! Master-worker with processes: a master hands 8 tasks (numbers to square) to
//! 3 worker processes over their stdin and reads the results from their stdout.
//! One task is poisoned: the worker that takes it aborts, a real crash with no
//! unwinding. Only that process dies: the master sees its pipe close, reaps it,
//! reads from its exit status how it died, and gives the task to another worker.
//!
//! Python: the tutorial's master-worker model (Liao Xuefeng's Python tutorial,
//! 进程和线程 / 分布式进程), where a crashed worker process leaves the master
//! and the other workers running; `master_worker_processes.py` is the twin.
//!
//! Run with: cargo run -p master-worker --bin master-worker-processes
//!
//! Expected output (PIDs, which worker does which task, and the order vary):
//! ```text
//! master (pid 4100) hands 8 tasks to 3 workers
//! process 4102 did task 2: 7 * 7 = 49
//! process 4101 crashed (signal: 6 (SIGABRT)) on task 5; it goes back to the queue
//! process 4103 did task 5: 31 * 31 = 961
//! ...
//! collected 8 of 8 results with processes
//!  task |  n | n * n | process
//!     1 |  3 |     9 | process 4102
//! ...
//! ```
//!
//! To copy: `cargo add nix@0.31 --features resource` (only to switch off core files)

use std::collections::VecDeque;
use std::error::Error;
use std::io::{self, BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

// ANCHOR: idea
const TASKS: [u64; 8] = [3, 7, 12, 25, 31, 48, 50, 99];
/// The first worker that takes task 5 crashes on it.
const POISONED: usize = 5;
const WORKERS: usize = 3;
/// The master never waits forever: this long without news from any worker is an error.
const PATIENCE: Duration = Duration::from_secs(10);

/// What the master hears about worker `w`.
enum Event {
    Done(usize, u64), // a line on its stdout: n * n for the task it holds
    Gone(usize),      // end of file on its stdout: it exited or crashed
}

/// A worker process, as the master sees it.
struct Worker {
    name: String,
    inbox: Option<ChildStdin>, // tasks go to its stdin as `n poisoned`; None once it is gone
    child: Child,
    holding: Option<usize>, // the task it is doing
}

fn main() -> Result<(), Box<dyn Error>> {
    // args_os, not args: args panics on an argument that is not UTF-8.
    match std::env::args_os().nth(1) {
        None => {}
        Some(role) if role == "worker" => return worker(),
        Some(other) => {
            return Err(format!("unexpected argument '{}': none is taken", other.display()).into());
        }
    }
    let (pid, total) = (std::process::id(), TASKS.len());
    println!("master (pid {pid}) hands {total} tasks to {WORKERS} workers");
    let (events_tx, events) = mpsc::channel();
    let mut workers = Workers(Vec::new());
    for w in 0..WORKERS {
        let mut child = Command::new(std::env::current_exe()?)
            .arg("worker")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()?;
        let inbox = child.stdin.take();
        let stdout = child.stdout.take().expect("stdout was piped");
        let name = format!("process {}", child.id());
        workers.0.push(Worker {
            name,
            inbox,
            child,
            holding: None,
        });
        // A thread per worker forwards its lines, so the master waits on one channel.
        let events = events_tx.clone();
        thread::spawn(move || {
            let lines = BufReader::new(stdout).lines();
            for square in lines.map_while(|line| line.ok()?.parse().ok()) {
                let _ = events.send(Event::Done(w, square));
            }
            let _ = events.send(Event::Gone(w));
        });
    }
    drop(events_tx); // once every worker is gone, waiting fails instead of hanging

    // The master keeps each idle, live worker busy, and knows who holds which task.
    let mut queue: VecDeque<_> = (1..=total).map(|id| (id, id == POISONED)).collect();
    let mut results: Vec<Option<(u64, usize)>> = vec![None; total];
    while results.contains(&None) {
        for worker in &mut workers.0 {
            let (Some(inbox), None) = (&mut worker.inbox, worker.holding) else {
                continue;
            };
            let Some((id, poisoned)) = queue.pop_front() else {
                break;
            };
            writeln!(inbox, "{} {poisoned}", TASKS[id - 1])?;
            worker.holding = Some(id);
        }
        let event = events.recv_timeout(PATIENCE);
        match event.map_err(|e| format!("waiting for the workers: {e}"))? {
            Event::Done(w, square) => {
                let worker = &mut workers.0[w];
                let id = worker
                    .holding
                    .take()
                    .ok_or("a result from an idle worker")?;
                let n = TASKS[id - 1];
                println!("{} did task {id}: {n} * {n} = {square}", worker.name);
                results[id - 1] = Some((square, w));
            }
            Event::Gone(w) => {
                let worker = &mut workers.0[w];
                worker.inbox = None;
                // Reap it: the exit status says how it died (a signal, on Unix).
                let status = worker.child.wait()?;
                if let Some(id) = worker.holding.take() {
                    let name = &worker.name;
                    println!("{name} crashed ({status}) on task {id}; it goes back to the queue");
                    queue.push_front((id, false)); // the next worker gets a plain task
                }
            }
        }
    }
    println!("collected {total} of {total} results with processes");
    for worker in &mut workers.0 {
        worker.inbox = None; // end of file on its stdin: a live worker exits
        worker.child.wait()?; // the crashed one was reaped already: this returns its status
    }
    println!(" task |  n | n * n | process");
    for (i, (square, w)) in results.into_iter().flatten().enumerate() {
        let (id, n, who) = (i + 1, TASKS[i], &workers.0[w].name);
        println!("{id:>5} | {n:>2} | {square:>5} | {who}");
    }
    Ok(())
}

/// The worker role: for each `n poisoned` line on stdin, print `n * n`.
fn worker() -> Result<(), Box<dyn Error>> {
    for line in io::stdin().lines() {
        let line = line?;
        let (n, poisoned) = line.split_once(' ').ok_or("a task line is `n poisoned`")?;
        if poisoned == "true" {
            // The crash is deliberate: ask the OS not to write a core file for it.
            #[cfg(unix)]
            let _ = nix::sys::resource::setrlimit(nix::sys::resource::Resource::RLIMIT_CORE, 0, 0);
            std::process::abort(); // a real crash: no unwinding, no cleanup, no goodbye
        }
        let n: u64 = n.parse()?;
        println!("{}", n * n); // stdout flushes at each newline: the master gets it now
    }
    Ok(())
}
// ANCHOR_END: idea

/// The demo's workers: dropping this kills and reaps any still running, even on an error.
struct Workers(Vec<Worker>);

impl Drop for Workers {
    fn drop(&mut self) {
        for worker in &mut self.0 {
            let _ = worker.child.kill(); // does nothing to a child already reaped
            let _ = worker.child.wait();
        }
    }
}
