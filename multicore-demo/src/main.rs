//! The multi-core dead loop: busy threads, and how many cores they really get.
//!
//! Python: one thread per core running `x = x ^ 1` forever shows about 100% CPU in all,
//! because the GIL lets one thread at a time run Python code (Liao Xuefeng's Python
//! tutorial, 进程和线程 / 多线程, 多核CPU). Rust threads have no such lock: N busy threads
//! can keep N cores busy. The Python twin, `multicore_demo.py`, runs the same loop.
//!
//! It runs one busy thread, then one per core, each for a second, and prints the process's
//! CPU time over that wall time: 100% is one core kept busy the whole time.
//!
//! Run with: cargo run -p multicore-demo
//!
//! Expected output on 2 idle cores:
//! ```text
//! cores: 2, threads: 1, CPU use: 100%
//! cores: 2, threads: 2, CPU use: 198%
//! cores used at once: 1.98 of 2: every thread had a core of its own
//! ```
//! On a busy machine the last line says the machine gave fewer cores than asked. Reading
//! CPU time takes Unix's getrusage: elsewhere the figures say `unknown`.
//!
//! To copy: `cargo add nix@0.31 --features resource`

use std::error::Error;
use std::hint::black_box;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::thread;
use std::time::{Duration, Instant};

/// How long each run keeps its threads busy.
const RUN_FOR: Duration = Duration::from_secs(1);
/// Up to a quarter of a core less than asked is noise (the OS's own work, timer ticks).
const SHORT: f64 = 0.25;

// ANCHOR: idea
fn main() -> Result<(), Box<dyn Error>> {
    let cores = thread::available_parallelism()?.get();
    // One busy thread first: what one core gives here and now, to compare with.
    println!("cores: {cores}, threads: 1, CPU use: {}", percent(busy(1)?));
    let all = busy(cores)?;
    println!(
        "cores: {cores}, threads: {cores}, CPU use: {}",
        percent(all)
    );
    if let Some(cpu) = all {
        let got = cpu / 100.0; // How many cores' worth of CPU time the threads had.
        if got < cores as f64 - SHORT {
            println!(
                "cores used at once: {got:.2} of {cores}: the machine gave fewer than asked (other programs were using the rest)"
            );
        } else {
            println!("cores used at once: {got:.2} of {cores}: every thread had a core of its own");
        }
    }
    Ok(())
}

/// Runs `threads` busy threads for RUN_FOR; returns this process's CPU time over that wall
/// time, in percent, or `None` where CPU time cannot be read.
fn busy(threads: usize) -> Result<Option<f64>, Box<dyn Error>> {
    let stop = AtomicBool::new(false);
    let (cpu0, wall0) = (cpu_time()?, Instant::now());
    thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                // The tutorial's dead loop. No GIL: each thread runs on its own core.
                let mut x = 0_u64;
                // Relaxed is enough: the flag carries no other data to see along with it.
                while !stop.load(Relaxed) {
                    // black_box keeps the optimiser from deleting a loop whose result is unused.
                    x = black_box(x ^ 1);
                }
            });
        }
        thread::sleep(RUN_FOR);
        stop.store(true, Relaxed); // The scope then joins every thread.
    });
    let (cpu1, wall) = (cpu_time()?, wall0.elapsed());
    let cpu = cpu0.zip(cpu1).map(|(before, after)| after - before);
    Ok(cpu.map(|cpu| cpu.div_duration_f64(wall) * 100.0))
}
// ANCHOR_END: idea

/// User CPU time used so far by all threads of this process: the time spent running its own
/// code, which is all a busy loop does. std has no portable way to read it; Unix has
/// getrusage, and elsewhere this is `None`.
fn cpu_time() -> Result<Option<Duration>, Box<dyn Error>> {
    #[cfg(unix)]
    let user = {
        use nix::sys::resource::{UsageWho, getrusage};
        use nix::sys::time::TimeValLike;
        let micros = getrusage(UsageWho::RUSAGE_SELF)?
            .user_time()
            .num_microseconds();
        Some(Duration::from_micros(u64::try_from(micros)?))
    };
    #[cfg(not(unix))]
    let user = None;
    Ok(user)
}

fn percent(cpu: Option<f64>) -> String {
    match cpu {
        Some(cpu) => format!("{cpu:.0}%"),
        None => "unknown (getrusage is Unix-only)".to_owned(),
    }
}
