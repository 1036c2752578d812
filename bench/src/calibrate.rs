//! The calibration line: how much faster two plain busy threads finish than one on this
//! machine. Nothing is shared between them, so anything below 2x is the machine's (a busy
//! neighbour, a vCPU that is really a hyper-thread, frequency scaling), not a program's.

use crate::config::Cfg;
use crate::stats::Fig;
use serde::Serialize;
use std::time::Instant;

#[derive(Clone, Debug, Serialize)]
pub struct Calibration {
    /// 2 x (one thread's time) / (two threads' time), per repeat.
    pub speedup: Fig,
    /// The most two threads can give here: 2, or 1 on a single core.
    pub limit: usize,
    /// One thread's time for its share of work, seconds (median).
    pub secs_one: f64,
}

/// Spins through `steps` rounds of xorshift arithmetic: no memory, no locks, no system calls.
fn spin(steps: u64) -> u64 {
    let mut x = 0x2545_F491_4F6C_DD1D_u64;
    for _ in 0..steps {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
    }
    std::hint::black_box(x)
}

fn one(steps: u64) -> f64 {
    let start = Instant::now();
    spin(steps);
    start.elapsed().as_secs_f64()
}

fn two(steps: u64) -> f64 {
    let start = Instant::now();
    std::thread::scope(|s| {
        let other = s.spawn(|| spin(steps));
        spin(steps);
        other.join().expect("a spinning thread does not panic");
    });
    start.elapsed().as_secs_f64()
}

/// How many spin steps one thread does in about `secs` on this machine.
pub fn steps_for(secs: f64) -> u64 {
    let mut steps = 1u64 << 20;
    while one(steps) < secs / 4.0 && steps < 1 << 40 {
        steps *= 2;
    }
    (steps as f64 * secs / one(steps).max(1e-9)) as u64
}

/// One round: 2 x one thread's time / two threads' time for `steps` each.
pub fn round(steps: u64) -> f64 {
    2.0 * one(steps) / two(steps)
}

/// Sizes the work to about 0.2 s for one thread (0.1 s quick, 0.02 s smoke), then alternates one
/// thread and two threads, so a slow spell hits both alike.
pub fn measure(cfg: &Cfg) -> Calibration {
    let target = cfg.mode.pick(0.02, 0.1, 0.2);
    let steps = steps_for(target);
    let (mut speedups, mut ones) = (Vec::new(), Vec::new());
    for rep in 0..cfg.runs.warmup + cfg.runs.repeats {
        let (t1, t2) = (one(steps), two(steps));
        if rep >= cfg.runs.warmup {
            speedups.push(2.0 * t1 / t2);
            ones.push(t1);
        }
    }
    let secs_one = Fig::new("s", ones).median;
    Calibration {
        speedup: Fig::new("x", speedups),
        limit: cfg.cores.min(2),
        secs_one,
    }
}
