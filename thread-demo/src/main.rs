//! Threads: a named thread, then two threads whose waits overlap.
//!
//! Python: `t = threading.Thread(target=loop, name='LoopThread')`, `t.start()`, `t.join()`
//! (Liao Xuefeng's Python tutorial, 进程和线程 / 多线程); then squares and cubes of one list,
//! first in one thread, then in two, timed.
//!
//! Run with: cargo run -p thread-demo
//!
//! Expected output (in the two-thread part the square and cube lines interleave, in an order
//! that may vary):
//! ```text
//! thread main is running...
//! thread LoopThread is running...
//! thread LoopThread >>> 1
//! thread LoopThread >>> 2
//! thread LoopThread >>> 3
//! thread LoopThread >>> 4
//! thread LoopThread >>> 5
//! thread LoopThread ended.
//! thread main ended.
//! one thread:
//! calculate square numbers
//! square: 4
//! ...
//! cube: 729
//! done in: 0.80 s
//! two threads:
//! calculate square numbers
//! calculate cube numbers
//! square: 4
//! cube: 8
//! ...
//! done in: 0.40 s (one thread took 0.80 s)
//! the waits overlap, in Python threads too; CPU-bound work is another story: see multicore-demo
//! ```
//!
//! To copy: no dependencies

use std::error::Error;
use std::thread;
use std::time::{Duration, Instant};

/// How long the loop thread sleeps between counts, and how long each number takes below.
const STEP: Duration = Duration::from_millis(100);
const NUMBERS: [u64; 4] = [2, 3, 8, 9];

// ANCHOR: idea
fn main() -> Result<(), Box<dyn Error>> {
    // Rust names the main thread "main" (Python calls it "MainThread").
    let me = thread::current().name().unwrap_or("<unnamed>").to_owned();
    println!("thread {me} is running...");
    // `Builder` rather than `thread::spawn` because it takes a name, and it returns an
    // `io::Result` instead of panicking when the OS refuses to create a thread.
    let looper = thread::Builder::new()
        .name("LoopThread".to_owned())
        .spawn(count_to_five)?;
    // `join` is Python's `t.join()`; it returns Err only if the thread panicked.
    looper.join().map_err(|_| "LoopThread panicked")?;
    println!("thread {me} ended.");

    // Squares and cubes, first one after the other in this thread...
    println!("one thread:");
    let start = Instant::now();
    calc("square", 2);
    calc("cube", 3);
    let one_thread = start.elapsed();
    println!("done in: {:.2} s", one_thread.as_secs_f64());

    // ...then each in its own thread. While one sleeps, the other runs, so the two lists
    // take the time of one. A scope joins its threads before it returns.
    println!("two threads:");
    let start = Instant::now();
    thread::scope(|s| {
        s.spawn(|| calc("square", 2));
        s.spawn(|| calc("cube", 3));
    });
    println!(
        "done in: {:.2} s (one thread took {:.2} s)",
        start.elapsed().as_secs_f64(),
        one_thread.as_secs_f64()
    );
    println!(
        "the waits overlap, in Python threads too; CPU-bound work is another story: see multicore-demo"
    );
    Ok(())
}
// ANCHOR_END: idea

/// The tutorial's `loop()`: every thread can ask for its own name.
fn count_to_five() {
    let name = thread::current().name().unwrap_or("<unnamed>").to_owned();
    println!("thread {name} is running...");
    for n in 1..=5 {
        println!("thread {name} >>> {n}");
        thread::sleep(STEP);
    }
    println!("thread {name} ended.");
}

/// Prints each power of NUMBERS as it is ready, like the Python one.
fn calc(what: &str, power: u32) {
    println!("calculate {what} numbers");
    for n in NUMBERS {
        thread::sleep(STEP); // Stands for I/O: the thread waits, the CPU is free.
        println!("{what}: {}", n.pow(power));
    }
}
