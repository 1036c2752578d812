//! Threads: a named thread, then two threads sharing the waiting.
//!
//! Python idea: `threading.Thread(target=loop, name='LoopThread')`, `start()`, `join()`.
//!
//! Run with: cargo run -p thread-demo
//!
//! Expected output (square and cube lines interleave; order may vary there):
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
//! calculate square numbers
//! calculate cube numbers
//! square: 4
//! cube: 8
//! ...
//! square: 81
//! cube: 729
//! done in: 0.40 s (one thread would take 0.80 s)
//! ```

use std::error::Error;
use std::thread;
use std::time::{Duration, Instant};

/// How long the loop thread sleeps between counts, and each item of the second part takes.
const STEP: Duration = Duration::from_millis(100);
const NUMBERS: [u64; 4] = [2, 3, 8, 9];

/// The tutorial's `loop()`: every thread can ask for its own name.
fn count_to_five() {
    // `name()` is `None` only for threads spawned without one; ours has one.
    let name = thread::current().name().unwrap_or("<unnamed>").to_owned();
    println!("thread {name} is running...");
    for n in 1..=5 {
        println!("thread {name} >>> {n}");
        thread::sleep(STEP);
    }
    println!("thread {name} ended.");
}

/// One worker of the second part: prints each result as it is ready, like the Python one.
fn calc(what: &str, numbers: &[u64], power: u32) {
    println!("calculate {what} numbers");
    for n in numbers {
        thread::sleep(STEP); // Stands for I/O: the thread waits, the CPU is free.
        println!("{what}: {}", n.pow(power));
    }
}

fn run() -> Result<(), Box<dyn Error>> {
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

    // Second part: squares and cubes of the same list, each in its own thread. The list is a
    // `const`, so each thread gets its own copy; no sharing, nothing to lock.
    let start = Instant::now();
    let squares = thread::Builder::new().spawn(|| calc("square", &NUMBERS, 2))?;
    let cubes = thread::Builder::new().spawn(|| calc("cube", &NUMBERS, 3))?;
    squares.join().map_err(|_| "the square thread panicked")?;
    cubes.join().map_err(|_| "the cube thread panicked")?;
    // The two threads slept at the same time, so the total is one list's worth of sleeps.
    let one_thread = STEP * (2 * NUMBERS.len() as u32);
    println!(
        "done in: {:.2} s (one thread would take {:.2} s)",
        start.elapsed().as_secs_f64(),
        one_thread.as_secs_f64()
    );
    Ok(())
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        None => {}
        Some("-h" | "--help") => {
            println!("usage: thread-demo\n\nRuns a named thread, then two threads in parallel.");
            return;
        }
        Some(other) => {
            eprintln!("error: unexpected argument: {other} (try --help)");
            std::process::exit(1);
        }
    }
    if let Err(e) = run() {
        eprintln!("error: thread demo failed: {e}");
        std::process::exit(1);
    }
}
