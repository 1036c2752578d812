//! Master-worker with threads: a master hands 8 tasks (numbers to square) to 3
//! worker threads and collects the results. One task is poisoned: the worker
//! that takes it panics. A panic unwinds only its own thread, so the master goes
//! on: it catches the panic at `join`, as a value, gives the task to another
//! worker and still collects every result.
//!
//! Python: the tutorial's master-worker model (Liao Xuefeng's Python tutorial,
//! 进程和线程 / 分布式进程), here with threads; `master_worker.py` is the twin.
//! With worker processes, whose crash cannot take the master down, see
//! `cargo run -p master-worker --bin master-worker-processes`.
//!
//! Run with: cargo run -p master-worker
//!
//! Expected output (which worker does which task, and the order, vary; stderr
//! gets one line, `thread 'worker-2' panicked: poison task 5`):
//! ```text
//! master (pid 4100) hands 8 tasks to 3 workers
//! worker-1 did task 1: 3 * 3 = 9
//! worker-2 panicked ("poison task 5") on task 5; it goes back to the queue
//! worker-3 did task 5: 31 * 31 = 961
//! ...
//! collected 8 of 8 results with threads
//! note: a panic unwinds only its own thread; an abort (or a segfault) in any thread ends the whole process
//!  task |  n | n * n | thread
//!     1 |  3 |     9 | worker-1
//! ...
//! ```
//!
//! To copy: no dependencies

use std::collections::VecDeque;
use std::error::Error;
use std::sync::mpsc::{self, Sender};
use std::thread::{self, JoinHandle};
use std::time::Duration;

// ANCHOR: idea
const TASKS: [u64; 8] = [3, 7, 12, 25, 31, 48, 50, 99];
const POISONED: usize = 5; // the first worker that takes task 5 panics on it
const WORKERS: usize = 3;
const PATIENCE: Duration = Duration::from_secs(10); // this long without news: an error

/// What the master hears about worker `w`.
enum Event {
    Done(usize, u64), // n * n for the task it holds
    Gone(usize),      // its thread ended: it returned or panicked
}

/// A worker thread, as the master sees it.
struct Worker {
    name: String,
    inbox: Option<Sender<(usize, bool)>>, // (task 1 to 8, poisoned); None once it is gone
    thread: Option<JoinHandle<()>>,       // None once joined
    holding: Option<usize>,               // the task it is doing
}

fn main() -> Result<(), Box<dyn Error>> {
    one_line_panics();
    let (pid, total) = (std::process::id(), TASKS.len());
    println!("master (pid {pid}) hands {total} tasks to {WORKERS} workers");
    let (events_tx, events) = mpsc::channel();
    let mut workers = Vec::new();
    for w in 0..WORKERS {
        let (inbox, tasks) = mpsc::channel::<(usize, bool)>();
        let gone = GoneOnDrop(w, events_tx.clone()); // a panic drops it too: the master hears
        let name = format!("worker-{}", w + 1);
        let thread = thread::Builder::new().name(name.clone()).spawn(move || {
            for (id, poisoned) in tasks {
                assert!(!poisoned, "poison task {id}");
                let n = TASKS[id - 1];
                let _ = gone.1.send(Event::Done(w, n * n)); // fails only if the master is gone
            }
        })?;
        let (inbox, thread) = (Some(inbox), Some(thread));
        workers.push(Worker {
            name,
            inbox,
            thread,
            holding: None,
        });
    }
    drop(events_tx); // only the workers hold senders now

    // The master keeps each idle, live worker busy, and knows who holds which task.
    let mut queue: VecDeque<_> = (1..=total).map(|id| (id, id == POISONED)).collect();
    let mut results: Vec<Option<(u64, usize)>> = vec![None; total];
    while results.contains(&None) {
        for worker in &mut workers {
            let (Some(inbox), None) = (&worker.inbox, worker.holding) else {
                continue;
            };
            let Some((id, poisoned)) = queue.pop_front() else {
                break;
            };
            inbox.send((id, poisoned))?;
            worker.holding = Some(id);
        }
        let event = events.recv_timeout(PATIENCE);
        match event.map_err(|e| format!("waiting for the workers: {e}"))? {
            Event::Done(w, square) => {
                let worker = &mut workers[w];
                let id = worker
                    .holding
                    .take()
                    .ok_or("a result from an idle worker")?;
                let n = TASKS[id - 1];
                println!("{} did task {id}: {n} * {n} = {square}", worker.name);
                results[id - 1] = Some((square, w));
            }
            Event::Gone(w) => {
                let worker = &mut workers[w];
                worker.inbox = None;
                // The panic is caught here, at join: the master gets its message as a value.
                let joined = worker.thread.take().map(JoinHandle::join);
                if let (Some(Err(payload)), Some(id)) = (joined, worker.holding.take()) {
                    let (name, why) = (&worker.name, message(&*payload));
                    println!("{name} panicked ({why:?}) on task {id}; it goes back to the queue");
                    queue.push_front((id, false)); // the next worker gets a plain task
                }
            }
        }
    }
    println!("collected {total} of {total} results with threads");
    for worker in &mut workers {
        worker.inbox = None; // closing its task channel ends a live worker's loop
        if let Some(thread) = worker.thread.take() {
            let _ = thread.join(); // only the poisoned task panics, and it was joined above
        }
    }
    println!(
        "note: a panic unwinds only its own thread; an abort (or a segfault) in any thread \
         ends the whole process"
    );
    println!(" task |  n | n * n | thread");
    for (i, (square, w)) in results.into_iter().flatten().enumerate() {
        let (id, n, who) = (i + 1, TASKS[i], &workers[w].name);
        println!("{id:>5} | {n:>2} | {square:>5} | {who}");
    }
    Ok(())
}
// ANCHOR_END: idea

/// Tells the master that a worker thread has ended, however it ended.
struct GoneOnDrop(usize, Sender<Event>);

impl Drop for GoneOnDrop {
    fn drop(&mut self) {
        let _ = self.1.send(Event::Gone(self.0));
    }
}

/// The default hook's two lines (a backtrace with RUST_BACKTRACE) would bury the demo.
fn one_line_panics() {
    std::panic::set_hook(Box::new(|info| {
        let name = thread::current().name().unwrap_or("<unnamed>").to_owned();
        eprintln!("thread '{name}' panicked: {}", message(info.payload()));
    }));
}

/// A panic's message: with arguments it carries a `String`, without a `&str`.
fn message(payload: &(dyn std::any::Any + Send)) -> &str {
    let text = payload.downcast_ref::<String>().map(String::as_str);
    text.or_else(|| payload.downcast_ref::<&str>().copied())
        .unwrap_or("a non-text panic")
}
