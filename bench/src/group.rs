//! The groups of measurements: each one's rows, its progress steps and its targets come from
//! its own module; this is the one place that lists them.

use crate::Res;
use crate::config::Cfg;
use crate::row::Row;
use crate::targets::Target;
use serde::Serialize;

// Plain comments on the variants: doc comments would make clap's -h and --help differ.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Group {
    // Primes, Leibniz pi, binary search: sequential, threads, processes, pool, rayon.
    Cpu,
    // N concurrent waits and HTTP requests: tokio, OS threads, asyncio, Python threads.
    Io,
    // The cost of one start: fork, re-exec, thread, task.
    Spawn,
    // Pipes, channels and queues.
    Ipc,
    // Mutex, atomics, threading.Lock.
    Locks,
    // Word frequencies, hashing a file tree, scraping a slow local server.
    Realworld,
}

impl Group {
    pub const ALL: [Group; 6] = [
        Group::Cpu,
        Group::Io,
        Group::Spawn,
        Group::Ipc,
        Group::Locks,
        Group::Realworld,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Group::Cpu => "cpu",
            Group::Io => "io",
            Group::Spawn => "spawn",
            Group::Ipc => "ipc",
            Group::Locks => "locks",
            Group::Realworld => "realworld",
        }
    }

    /// The Python script (in bench/python/) holding this group's Python side.
    pub fn script(self) -> &'static str {
        match self {
            Group::Cpu => "cpu.py",
            Group::Io => "io.py",
            Group::Spawn => "spawn.py",
            Group::Ipc => "ipc.py",
            Group::Locks => "locks.py",
            Group::Realworld => "realworld.py",
        }
    }

    /// How many progress steps the group takes.
    pub fn planned(self, cfg: &Cfg) -> u64 {
        match self {
            Group::Cpu => crate::cpu::planned(cfg),
            Group::Io => crate::io::planned(cfg),
            Group::Spawn => crate::spawn::planned(cfg),
            Group::Ipc => crate::ipc::planned(cfg),
            Group::Locks => crate::locks::planned(cfg),
            Group::Realworld => crate::realworld::planned(cfg),
        }
    }

    pub fn run(self, cfg: &Cfg) -> Res<Vec<Row>> {
        match self {
            Group::Cpu => crate::cpu::run(cfg),
            Group::Io => crate::io::run(cfg),
            Group::Spawn => crate::spawn::run(cfg),
            Group::Ipc => crate::ipc::run(cfg),
            Group::Locks => crate::locks::run(cfg),
            Group::Realworld => crate::realworld::run(cfg),
        }
    }

    /// BENCH.md's targets for this group, checked against this run's rows.
    pub fn targets(self, rows: &[Row], cfg: &Cfg) -> Vec<Target> {
        match self {
            Group::Cpu => crate::cpu::targets(rows, cfg),
            Group::Io => crate::io::targets(rows, cfg),
            Group::Spawn => crate::spawn::targets(rows, cfg),
            Group::Ipc => crate::ipc::targets(rows, cfg),
            Group::Locks => Vec::new(),
            Group::Realworld => crate::realworld::targets(rows, cfg),
        }
    }
}
