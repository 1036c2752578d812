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

fn main() -> Result<(), Box<dyn Error>> {
    one_line_panics();
    let (pid, total) = (std::process::id(), TASKS.len());
    println!("master (pid {pid}) hands {total} tasks to {WORKERS} workers");
    // Worker `w` sends (w, Some(n * n)) for each task it does, and (w, None) as its thread ends.
    let (events_tx, events) = mpsc::channel::<(usize, Option<u64>)>();
    let (mut inboxes, mut handles) = (Vec::new(), Vec::new());
    for w in 0..WORKERS {
        let (inbox, tasks) = mpsc::channel::<(usize, bool)>(); // (task 1 to 8, poisoned)
        let gone = GoneOnDrop(w, events_tx.clone()); // a panic drops it too: the master hears
        let worker = thread::Builder::new().name(name(w)).spawn(move || {
            for (id, poisoned) in tasks {
                assert!(!poisoned, "poison task {id}");
                let n = TASKS[id - 1];
                let _ = gone.1.send((w, Some(n * n))); // fails only if the master is gone
            }
        })?;
        inboxes.push(inbox);
        handles.push(Some(worker));
    }
    drop(events_tx); // only the workers hold senders now

    // The master keeps each idle, live worker busy, and knows who holds which task.
    let mut queue: VecDeque<_> = (1..=total).map(|id| (id, id == POISONED)).collect();
    let mut holding = [None; WORKERS];
    let mut results: Vec<Option<(u64, usize)>> = vec![None; total];
    while results.contains(&None) {
        for w in 0..WORKERS {
            if handles[w].is_some() && holding[w].is_none() && !queue.is_empty() {
                let (id, poisoned) = queue.pop_front().expect("the queue is not empty");
                inboxes[w].send((id, poisoned))?;
                holding[w] = Some(id);
            }
        }
        let event = events.recv_timeout(PATIENCE);
        match event.map_err(|e| format!("waiting for the workers: {e}"))? {
            (w, Some(square)) => {
                let id = holding[w].take().expect("it answers the task it holds");
                let n = TASKS[id - 1];
                println!("{} did task {id}: {n} * {n} = {square}", name(w));
                results[id - 1] = Some((square, w));
            }
            (w, None) => {
                // The panic is caught here, at join: the master gets its message as a value.
                let joined = handles[w].take().map(JoinHandle::join);
                if let (Some(Err(payload)), Some(id)) = (joined, holding[w].take()) {
                    let (who, why) = (name(w), message(&*payload));
                    println!("{who} panicked ({why:?}) on task {id}; it goes back to the queue");
                    queue.push_front((id, false)); // the next worker gets a plain task
                }
            }
        }
    }
    println!("collected {total} of {total} results with threads");
    drop(inboxes); // closing the task channels ends the live workers' loops
    for worker in handles.into_iter().flatten() {
        let _ = worker.join(); // only the poisoned task panics, and it was joined above
    }
    println!(
        "note: a panic unwinds only its own thread; an abort (or a segfault) in any thread \
         ends the whole process"
    );
    println!(" task |  n | n * n | thread");
    for (i, (square, w)) in results.into_iter().flatten().enumerate() {
        println!("{:>5} | {:>2} | {square:>5} | {}", i + 1, TASKS[i], name(w));
    }
    Ok(())
}
// ANCHOR_END: idea

fn name(w: usize) -> String {
    format!("worker-{}", w + 1)
}

/// Tells the master that a worker thread has ended, however it ended.
struct GoneOnDrop(usize, Sender<(usize, Option<u64>)>);

impl Drop for GoneOnDrop {
    fn drop(&mut self) {
        let _ = self.1.send((self.0, None));
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
