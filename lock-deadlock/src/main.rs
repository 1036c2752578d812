//! Locks: the tutorial's lost-update race, then its two fixes, a `Mutex` and `fetch_add`.
//!
//! Python: `balance = balance + n; balance = balance - n` in two threads loses updates, and
//! `with lock:` around the change fixes it (Liao Xuefeng's Python tutorial, 进程和线程 /
//! 多线程, Lock). The deadlock the tutorial warns of next is the `deadlock` program beside
//! this one (`cargo run -p lock-deadlock --bin deadlock`).
//!
//! In Rust the naive version, two threads doing `balance += n` on one plain `i64`, does not
//! compile (E0499: the README shows the compiler's message; the code is
//! `tests/compile_fail/racy.rs`). So the race below is written with atomics: a load, then a
//! separate store. That is a logic error, not undefined behaviour, and it loses updates just
//! as the Python does.
//!
//! Run with: cargo run -p lock-deadlock
//!
//! Expected output (the two-thread balance and its lost updates vary from run to run):
//! ```text
//! naive: `balance += n` on one plain i64 from 2 threads does not compile (E0499)
//! split load/store, 1 thread: balance = 0 after 2000000 changes (lost updates: 0)
//! split load/store, 2 threads: balance = 37 after 4000000 changes (lost updates: 5123)
//! Mutex: balance = 0 after 4000000 changes
//! fetch_add: balance = 0 after 4000000 changes
//! ```
//!
//! To copy: no dependencies

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering::Relaxed};
use std::sync::{Barrier, Mutex};
use std::thread;

/// How many times each thread calls `change_it`, which changes the balance twice (+n, -n).
const CALLS: u64 = 1_000_000;

// ANCHOR: idea
fn main() {
    println!("naive: `balance += n` on one plain i64 from 2 threads does not compile (E0499)");

    // One thread alone loses nothing, which shows the counting is right; two threads race.
    let (balance, changes, lost) = split_load_store(&[5]);
    println!(
        "split load/store, 1 thread: balance = {balance} after {changes} changes (lost updates: {lost})"
    );
    let (balance, changes, lost) = split_load_store(&[5, 8]);
    println!(
        "split load/store, 2 threads: balance = {balance} after {changes} changes (lost updates: {lost})"
    );
    if lost == 0 {
        println!(
            "  (no update was lost this time: no thread stored between the other's load and store)"
        );
    }

    // Fix 1, the tutorial's Lock: the whole read-modify-write happens while holding it.
    let balance = Mutex::new(0_i64);
    let changes = in_threads(&[5, 8], |n| {
        let mut b = balance.lock().expect("no thread panics while holding it");
        *b += n; // New: the guard `b` keeps the other thread out until it drops.
        *b -= n;
    });
    let balance = balance
        .into_inner()
        .expect("no thread panicked while holding it");
    println!("Mutex: balance = {balance} after {changes} changes");

    // Fix 2, no lock at all: each change is one indivisible read-modify-write.
    let balance = AtomicI64::new(0);
    let changes = in_threads(&[5, 8], |n| {
        balance.fetch_add(n, Relaxed); // New: load, add and store as one step.
        balance.fetch_sub(n, Relaxed);
    });
    println!(
        "fetch_add: balance = {} after {changes} changes",
        balance.into_inner()
    );
}

/// The tutorial's x1/x2 walk-through in one thread per amount: returns the final balance,
/// the changes made and how many of them a thread overwrote.
fn split_load_store(amounts: &[i64]) -> (i64, u64, u64) {
    let (balance, lost) = (AtomicI64::new(0), AtomicU64::new(0));
    let changes = in_threads(amounts, |n| {
        // Each step is atomic, so this is safe Rust, but the pair is not: the other thread
        // can store in between, and its update is then overwritten. `swap` is a store that
        // also returns the value it replaced, so we can count the updates destroyed (it
        // does not prevent them).
        let x1 = balance.load(Relaxed) + n;
        if balance.swap(x1, Relaxed) != x1 - n {
            lost.fetch_add(1, Relaxed);
        }
        let x2 = balance.load(Relaxed) - n;
        if balance.swap(x2, Relaxed) != x2 + n {
            lost.fetch_add(1, Relaxed);
        }
    });
    (balance.into_inner(), changes, lost.into_inner())
}
// ANCHOR_END: idea

/// Runs `change_it(n)` CALLS times in one thread per amount, and returns the number of
/// changes the threads made, counted as they go (two per call).
fn in_threads(amounts: &[i64], change_it: impl Fn(i64) + Sync) -> u64 {
    // All start at the same moment: otherwise the first could be done before the second
    // even starts, and the race would not show.
    let start = Barrier::new(amounts.len());
    // Scoped threads may borrow locals: the scope joins them before the locals go away.
    thread::scope(|s| {
        let threads: Vec<_> = amounts
            .iter()
            .map(|&n| {
                let (change_it, start) = (&change_it, &start);
                s.spawn(move || {
                    start.wait();
                    let mut changes = 0;
                    for _ in 0..CALLS {
                        change_it(n);
                        changes += 2;
                    }
                    changes
                })
            })
            .collect();
        let joined = threads
            .into_iter()
            .map(|t| t.join().expect("no thread panics"));
        joined.sum()
    })
}
