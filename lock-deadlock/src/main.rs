//! Locks: a lost-update race and its two fixes, then a real deadlock and its fix.
//!
//! Python idea: `balance = balance + n` in two threads loses updates; `threading.Lock()` fixes
//! it; two locks taken in opposite order deadlock.
//!
//! Run with: cargo run -p lock-deadlock
//!
//! Expected output (the first balance and the count of lost updates vary from run to run):
//! ```text
//! balance race: 2 threads x 1000000 changes
//! split load/store: balance = 37 (lost updates: 5123)
//! Mutex:            balance = 0
//! fetch_add:        balance = 0
//! deadlock: thread-1 takes lock A then lock B, thread-2 takes lock B then lock A
//! deadlock detected: no progress for 1.0 s
//!   thread-1 holds lock A and waits for lock B
//!   thread-2 holds lock B and waits for lock A
//! thread-1 and thread-2 can never be joined: they are left blocked and end when the process exits
//! with a fixed lock order: done (each thread took lock A then lock B 1000 times)
//! ```
//!
//! The naive version, two threads doing `balance += n` on one plain `i64`, is not shown here
//! because it does not compile (E0499; with `thread::spawn`, E0373; as a `static mut`, E0133):
//! see `tests/compile_fail/`. Rust refuses the data race before the program ever runs.

use std::error::Error;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Barrier, Mutex, mpsc};
use std::thread;
use std::time::Duration;

const CHANGES: i64 = 1_000_000;
/// The tutorial's two threads add and subtract 5 and 8.
const AMOUNTS: [i64; 2] = [5, 8];
/// How long the watchdog waits for progress before it calls it a deadlock.
const WATCHDOG: Duration = Duration::from_secs(1);
const FIXED_ROUNDS: u32 = 1000;

/// Runs `change(n)` CHANGES times in each of two threads, one per amount, and joins them.
/// Scoped threads may borrow locals: the scope joins them before the locals go away.
fn in_two_threads(change: impl Fn(i64) + Sync) {
    // Both start at the same moment: otherwise the first could be done before the second
    // even starts, and the race would not show.
    let start = Barrier::new(2);
    thread::scope(|s| {
        for n in AMOUNTS {
            let (change, start) = (&change, &start);
            s.spawn(move || {
                start.wait();
                (0..CHANGES).for_each(|_| change(n));
            });
        }
    });
}

fn balance_race() {
    println!("balance race: 2 threads x {CHANGES} changes");
    // The tutorial's x1/x2 walk-through: a load, then a separate store. Each step is atomic (so
    // this is safe Rust, no undefined behaviour) but the pair is not: the other thread can store
    // in between, and then its update is overwritten. `swap` is a store that also returns the
    // value it replaced, which lets us count the updates we destroyed (it does not prevent them).
    let (balance, lost) = (AtomicI64::new(0), AtomicU64::new(0));
    in_two_threads(|n| {
        let x1 = balance.load(Relaxed) + n;
        if balance.swap(x1, Relaxed) != x1 - n {
            lost.fetch_add(1, Relaxed);
        }
        let x2 = balance.load(Relaxed) - n;
        if balance.swap(x2, Relaxed) != x2 + n {
            lost.fetch_add(1, Relaxed);
        }
    });
    let (balance, lost) = (balance.into_inner(), lost.into_inner());
    println!("split load/store: balance = {balance} (lost updates: {lost})");
    if lost == 0 {
        println!("  (no update was lost this time: the threads did not overlap; run it again)");
    }

    // Fix 1, the tutorial's Lock: the whole read-modify-write happens while holding it.
    let balance = Mutex::new(0_i64);
    in_two_threads(|n| {
        let mut b = balance.lock().expect("no thread panics while holding it");
        *b += n; // New: the guard `b` keeps the other thread out until it drops.
        *b -= n;
    });
    let balance = balance
        .into_inner()
        .expect("no thread panicked while holding it");
    println!("Mutex:            balance = {balance}");

    // Fix 2, no lock at all: each change is one indivisible read-modify-write.
    let balance = AtomicI64::new(0);
    in_two_threads(|n| {
        balance.fetch_add(n, Relaxed); // New: load, add and store as one step.
        balance.fetch_sub(n, Relaxed);
    });
    println!("fetch_add:        balance = {}", balance.into_inner());
}

const LOCK_NAMES: [&str; 2] = ["lock A", "lock B"];

/// What the two threads of one run share.
struct Shared {
    locks: [Mutex<()>; 2],
    /// Who holds and who waits for what. std's Mutex cannot name its owner, so each thread
    /// reports here; this lock is never held while taking another, so it cannot deadlock.
    board: Mutex<[String; 2]>,
    /// Used only to force the deadlock: both threads hold their first lock before either
    /// asks for its second, so the bad interleaving happens every time, not once in a while.
    barrier: Option<Barrier>,
}

/// Thread `who` takes its two locks in `order`, `rounds` times, telling `progress` each time.
fn worker(shared: &Shared, who: usize, order: [usize; 2], rounds: u32, progress: mpsc::Sender<()>) {
    let [first, second] = order.map(|i| LOCK_NAMES[i]);
    let waiting = format!("thread-{} holds {first} and waits for {second}", who + 1);
    for _ in 0..rounds {
        let _first = shared.locks[order[0]]
            .lock()
            .expect("no lock holder panics");
        if let Some(barrier) = &shared.barrier {
            barrier.wait();
        }
        shared.board.lock().expect("no lock holder panics")[who].clone_from(&waiting);
        let _second = shared.locks[order[1]]
            .lock()
            .expect("no lock holder panics");
        let _ = progress.send(()); // Fails only if the watchdog has given up: nothing to do.
    }
}

/// Starts two threads (the locks in the given orders) and watches them. Returns `None` when
/// both have finished and been joined, or the board when there was no progress for a while.
fn run_pair(
    orders: [[usize; 2]; 2],
    rounds: u32,
    force: bool,
) -> Result<Option<[String; 2]>, Box<dyn Error>> {
    let shared = Arc::new(Shared {
        locks: Default::default(),
        board: Default::default(),
        barrier: force.then(|| Barrier::new(2)),
    });
    // Only the forced run can deadlock. With one lock order, silence means a stalled
    // machine, not a deadlock: wait far longer before calling it one.
    let patience = if force { WATCHDOG } else { WATCHDOG * 10 };
    let (progress, watchdog) = mpsc::channel();
    let mut handles = Vec::new();
    for (who, order) in orders.into_iter().enumerate() {
        // Not scoped threads: a scope joins its threads at its end, which would hang here.
        let (shared, progress) = (Arc::clone(&shared), progress.clone());
        let builder = thread::Builder::new().name(format!("thread-{}", who + 1));
        handles.push(builder.spawn(move || worker(&shared, who, order, rounds, progress))?);
    }
    drop(progress); // Now the channel closes when both workers have returned.
    loop {
        match watchdog.recv_timeout(patience) {
            Ok(()) => {} // Some thread got both locks once more.
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                // Their fate: `join` would wait forever, so the handles are dropped, which
                // detaches the threads. They stay blocked in `lock()`, costing only their
                // stacks, until main returns and the process exit ends every thread.
                drop(handles);
                return Ok(Some(shared.board.lock().expect("no panics here").clone()));
            }
        }
    }
    for handle in handles {
        handle.join().map_err(|_| "a worker thread panicked")?;
    }
    Ok(None)
}

fn deadlock() -> Result<(), Box<dyn Error>> {
    println!("deadlock: thread-1 takes lock A then lock B, thread-2 takes lock B then lock A");
    let board = run_pair([[0, 1], [1, 0]], 1, true)?.ok_or("opposite orders did not deadlock")?;
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
    if let Some(board) = run_pair([[0, 1], [0, 1]], FIXED_ROUNDS, false)? {
        return Err(format!("deadlock with a fixed lock order: {board:?}").into());
    }
    println!(
        "with a fixed lock order: done (each thread took lock A then lock B {FIXED_ROUNDS} times)"
    );
    Ok(())
}

fn main() {
    let result = match std::env::args().nth(1).as_deref() {
        None => {
            balance_race();
            deadlock().map_err(|e| format!("deadlock demo failed: {e}"))
        }
        Some("-h" | "--help") => {
            println!(
                "usage: lock-deadlock\n\nShows a lost-update race, two fixes, a deadlock and its fix."
            );
            return;
        }
        Some(other) => Err(format!("unexpected argument: {other} (try --help)")),
    };
    if let Err(e) = result {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}
