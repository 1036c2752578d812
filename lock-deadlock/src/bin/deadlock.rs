//! Deadlock: two threads take two locks in opposite order and wait for each other forever.
//! A watchdog notices, says who holds which lock and waits for which, and the program goes
//! on; then the fix, one lock order for every thread, runs to completion.
//!
//! Python: two `threading.Lock()`s taken as `with a: with b:` in one thread and `with b:
//! with a:` in the other (Liao Xuefeng's Python tutorial, 进程和线程 / 多线程, where it warns
//! that threads holding each other's locks hang forever).
//!
//! Run with: cargo run -p lock-deadlock --bin deadlock
//!
//! Expected output:
//! ```text
//! deadlock: thread-1 takes lock A then lock B, thread-2 takes lock B then lock A
//! deadlock detected: no progress for 1.0 s
//!   thread-1 holds lock A and waits for lock B
//!   thread-2 holds lock B and waits for lock A
//! thread-1 and thread-2 can never be joined: they are left blocked and end when the process exits
//! with a fixed lock order: done (lock A then lock B, 1000 times by thread-1, 1000 by thread-2)
//! ```
//!
//! To copy: no dependencies

use std::error::Error;
use std::sync::{Arc, Barrier, Mutex, mpsc};
use std::thread;
use std::time::Duration;

const A: usize = 0;
const B: usize = 1;
const LOCK_NAMES: [&str; 2] = ["lock A", "lock B"];
/// How long the watchdog waits for progress before it calls it a deadlock.
const WATCHDOG: Duration = Duration::from_secs(1);
/// With one lock order nothing can deadlock, so silence means a stalled machine: the
/// watchdog waits far longer before it gives up.
const FIXED_ORDER_WATCHDOG: Duration = Duration::from_secs(10);
const ROUNDS: u32 = 1000;

// ANCHOR: idea
fn main() -> Result<(), Box<dyn Error>> {
    println!("deadlock: thread-1 takes lock A then lock B, thread-2 takes lock B then lock A");
    let Outcome::Stuck(board) = run_pair([[A, B], [B, A]], 1, true)? else {
        return Err("opposite lock orders did not deadlock".into());
    };
    println!(
        "deadlock detected: no progress for {:.1} s",
        WATCHDOG.as_secs_f64()
    );
    for line in board {
        println!("  {line}");
    }
    println!(
        "thread-1 and thread-2 can never be joined: they are left blocked and end when the process exits"
    );

    // The fix: every thread takes the locks in one global order (A before B). No thread can
    // hold B while waiting for A, so a cycle of waits cannot form.
    match run_pair([[A, B], [A, B]], ROUNDS, false)? {
        Outcome::Done([one, two]) => println!(
            "with a fixed lock order: done (lock A then lock B, {one} times by thread-1, {two} by thread-2)"
        ),
        Outcome::Stuck(board) => return Err(format!("fixed lock order stuck: {board:?}").into()),
    }
    Ok(())
}

/// Thread `who` takes its two locks in `order`, `rounds` times, telling `progress` each time.
fn worker(
    shared: &Shared,
    who: usize,
    order: [usize; 2],
    rounds: u32,
    progress: mpsc::Sender<usize>,
) {
    let [first, second] = order.map(|i| LOCK_NAMES[i]);
    let waiting = format!("thread-{} holds {first} and waits for {second}", who + 1);
    for _ in 0..rounds {
        let _first = shared.locks[order[0]]
            .lock()
            .expect("no lock holder panics");
        if let Some(barrier) = &shared.both_hold_one {
            barrier.wait();
        }
        shared.board.lock().expect("no board user panics")[who].clone_from(&waiting);
        let _second = shared.locks[order[1]]
            .lock()
            .expect("no lock holder panics");
        let _ = progress.send(who); // Fails only once the watchdog has given up: nothing to do.
    }
}
// ANCHOR_END: idea

/// What the two threads of one run share.
struct Shared {
    locks: [Mutex<()>; 2],
    /// Who holds and who waits for what. std's Mutex cannot name its owner, so each thread
    /// reports here; this lock is never held while taking another, so it cannot deadlock.
    board: Mutex<[String; 2]>,
    /// Only to force the deadlock: both threads hold their first lock before either asks
    /// for its second, so the bad interleaving happens every time, not once in a while.
    both_hold_one: Option<Barrier>,
}

enum Outcome {
    /// Both threads finished and were joined: how many rounds each completed.
    Done([u32; 2]),
    /// No progress for a while: the board, saying who holds and waits for what.
    Stuck([String; 2]),
}

/// Starts thread-1 and thread-2, taking the locks in the given orders, and watches them.
fn run_pair(orders: [[usize; 2]; 2], rounds: u32, force: bool) -> Result<Outcome, Box<dyn Error>> {
    let shared = Arc::new(Shared {
        locks: Default::default(),
        board: Default::default(),
        both_hold_one: force.then(|| Barrier::new(2)),
    });
    let patience = if force {
        WATCHDOG
    } else {
        FIXED_ORDER_WATCHDOG
    };
    let (progress, watchdog) = mpsc::channel();
    let mut handles = Vec::new();
    for (who, order) in orders.into_iter().enumerate() {
        // Not scoped threads: a scope joins its threads at its end, which would hang here.
        let (shared, progress) = (Arc::clone(&shared), progress.clone());
        let builder = thread::Builder::new().name(format!("thread-{}", who + 1));
        handles.push(builder.spawn(move || worker(&shared, who, order, rounds, progress))?);
    }
    drop(progress); // Now the channel closes when both workers have returned.
    let mut done = [0, 0];
    loop {
        match watchdog.recv_timeout(patience) {
            Ok(who) => done[who] += 1, // That thread got both locks once more.
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                // Their fate: `join` would wait forever, so the handles are dropped, which
                // detaches the threads. They stay blocked in `lock()`, costing only their
                // stacks, until main returns and the process exit ends every thread.
                drop(handles);
                let board = shared.board.lock().expect("no board user panics");
                return Ok(Outcome::Stuck(board.clone()));
            }
        }
    }
    for handle in handles {
        handle.join().map_err(|_| "a worker thread panicked")?;
    }
    Ok(Outcome::Done(done))
}
