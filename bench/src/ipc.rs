//! ipc group: bytes through a pipe beside a plain memory copy, pipe round trips, and
//! messages per second through channels (Rust) and queues (Python).

use crate::Res;
use crate::config::{Cfg, Mode};
use crate::group::{Check, Group};
use crate::python::Script;
use crate::report::pairs_table;
use crate::row::{Row, find};
use crate::stats::{Scale, timed};
use crate::targets::{Target, check, sig, times};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::io::{Read, Write};
use std::process::Stdio;

const NAME: &str = "ipc";
const SCRIPT: Script = Script {
    name: "ipc.py",
    text: include_str!("../python/ipc.py"),
};

/// What this binary does when restarted by the ipc group.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
enum Role {
    /// Writes `bytes` zero bytes to stdout in 64 KiB blocks.
    PipeWriter { bytes: u64 },
    /// Sends every byte read from stdin straight back on stdout, until EOF.
    Echo,
}

pub struct Ipc;

impl Group for Ipc {
    fn name(&self) -> &'static str {
        NAME
    }

    fn planned(&self, cfg: &Cfg) -> u64 {
        (Kind::measured(cfg.mode).len() * 2) as u64
    }

    fn run(&self, cfg: &Cfg) -> Res<Vec<Row>> {
        run(cfg)
    }

    fn targets(&self, rows: &[Row], _cfg: &Cfg) -> Vec<Target> {
        targets(rows)
    }

    fn table(&self, rows: &[Row], _cfg: &Cfg) -> String {
        let title = "ipc: throughput (higher is better) and round-trip latency (lower is better)";
        pairs_table(title, rows)
    }

    fn child(&self, role: &str) -> Res<()> {
        match crate::child::parse(role)? {
            Role::PipeWriter { bytes } => pipe_writer(bytes),
            Role::Echo => echo(),
        }
    }

    fn checks(&self, exe: &std::path::Path) -> Res<Vec<Check>> {
        let mut out = Vec::new();
        for kind in Kind::ALL {
            let (size, _) = kind.sizes(Mode::Smoke);
            out.push(Check {
                name: format!("ipc {kind:?}"),
                script: SCRIPT.name,
                args: vec![
                    kind.python().0.into(),
                    size.to_string(),
                    "0".into(),
                    "1".into(),
                ],
                rust: json!({ "answer": rust_once(kind, size, exe)? }),
            });
        }
        Ok(out)
    }
}

const BLOCK: usize = 64 * 1024;

/// Where the two sides of a channel or queue run. On one core, a message costs what the
/// channel's own code costs; on two, each also crosses between the cores' caches, and what
/// that costs depends on the machine (on a VM, on where the host puts its vCPUs at the time:
/// on a 2-vCPU VM, crossbeam's two-core rate differs up to 4x between runs, its one-core rate
/// not).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Cores {
    One,
    Two,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Pipe,
    Copy,
    RoundTrip,
    StdChannel(Cores),
    Crossbeam(Cores),
    Tokio,
}

impl Kind {
    pub const ALL: [Kind; 8] = [
        Kind::Pipe,
        Kind::Copy,
        Kind::RoundTrip,
        Kind::StdChannel(Cores::One),
        Kind::Crossbeam(Cores::One),
        Kind::StdChannel(Cores::Two),
        Kind::Crossbeam(Cores::Two),
        Kind::Tokio,
    ];

    /// The kinds a run measures: a quick run leaves the two-core channels, which no target
    /// reads, to the full run.
    fn measured(mode: Mode) -> Vec<Kind> {
        Kind::ALL
            .into_iter()
            .filter(|k| mode != Mode::Quick || k.cores() != Some(Cores::Two))
            .collect()
    }

    fn cores(self) -> Option<Cores> {
        match self {
            Kind::StdChannel(c) | Kind::Crossbeam(c) => Some(c),
            _ => None,
        }
    }

    fn rust_label(self) -> &'static str {
        match self {
            Kind::Pipe => "pipe from a child process (Command stdout)",
            Kind::Copy => "memory copy of the same bytes, 64 KiB blocks",
            Kind::RoundTrip => "1-byte round trip to a child over two pipes",
            Kind::StdChannel(Cores::One) => "std mpsc::sync_channel(1024), two threads, one core",
            Kind::StdChannel(Cores::Two) => "std mpsc::sync_channel(1024), two threads, two cores",
            Kind::Crossbeam(Cores::One) => "crossbeam bounded(1024), two threads, one core",
            Kind::Crossbeam(Cores::Two) => "crossbeam bounded(1024), two threads, two cores",
            Kind::Tokio => "tokio mpsc::channel(1024), two tasks",
        }
    }

    /// (ipc.py variant, its label)
    fn python(self) -> (&'static str, &'static str) {
        match self {
            Kind::Pipe => ("pipe", "os.pipe from a forked child"),
            Kind::Copy => ("copy", "bytearray slice copy, 64 KiB blocks"),
            Kind::RoundTrip => ("roundtrip", "1-byte round trip, os.pipe + fork"),
            Kind::StdChannel(Cores::One) => {
                ("queue1", "multiprocessing.Queue, two processes, one core")
            }
            Kind::StdChannel(Cores::Two) => {
                ("queue2", "multiprocessing.Queue, two processes, two cores")
            }
            Kind::Crossbeam(Cores::One) => {
                ("mppipe1", "multiprocessing.Pipe, two processes, one core")
            }
            Kind::Crossbeam(Cores::Two) => {
                ("mppipe2", "multiprocessing.Pipe, two processes, two cores")
            }
            Kind::Tokio => ("asyncio", "asyncio.Queue(1024), two coroutines"),
        }
    }

    fn item(self) -> &'static str {
        match self {
            Kind::Pipe | Kind::Copy => "bandwidth",
            Kind::RoundTrip => "round-trip latency",
            _ => "messages per second",
        }
    }

    /// (Rust size, Python size): bytes, round trips or messages. Rust sends more messages
    /// than Python so that its runs last long enough to time; rates are per second anyway.
    fn sizes(self, mode: Mode) -> (u64, u64) {
        match self {
            Kind::Pipe | Kind::Copy => {
                let b = mode.pick(1 << 20, 256 << 20, 1 << 30);
                (b, b)
            }
            Kind::RoundTrip => {
                let n = mode.pick(10, 2_000, 20_000);
                (n, n)
            }
            // Runs of about 0.1 s and more (a million messages through std's channel take
            // 20 ms, too short to time): Python's queues move 100k-250k messages a second
            // between two processes, asyncio's a million, tokio's channel a fifth as many as
            // std's.
            Kind::Tokio => mode.pick((1_000, 1_000), (1_000_000, 100_000), (5_000_000, 200_000)),
            _ => mode.pick((1_000, 1_000), (5_000_000, 20_000), (10_000_000, 100_000)),
        }
    }

    fn scale(self, size: u64) -> Scale {
        match self {
            Kind::Pipe | Kind::Copy => Scale::GbPerSec(size as f64),
            Kind::RoundTrip => Scale::MicrosPer(size as f64),
            _ => Scale::PerSec(size as f64),
        }
    }
}

/// The `PipeWriter` role.
fn pipe_writer(bytes: u64) -> Res<()> {
    let block = [0u8; BLOCK];
    let mut out = std::io::stdout().lock();
    let mut left = bytes;
    while left > 0 {
        let n = left.min(BLOCK as u64) as usize;
        out.write_all(&block[..n])?;
        left -= n as u64;
    }
    out.flush()?;
    Ok(())
}

/// The `Echo` role.
fn echo() -> Res<()> {
    let (mut input, mut output) = (std::io::stdin().lock(), std::io::stdout().lock());
    let mut byte = [0u8; 1];
    while input.read(&mut byte)? == 1 {
        output.write_all(&byte)?;
        output.flush()?; // the parent waits for this byte: it must not sit in a buffer
    }
    Ok(())
}

/// The CPUs for the producer and the consumer: the first this process may run on for both,
/// or the first two. None where there are not enough or Linux's sched_setaffinity is missing.
/// Left to the scheduler, the two sides share a core in some runs and not in others, and the
/// figure then says where they happened to land.
fn cpus_for(cores: Cores) -> Option<[usize; 2]> {
    #[cfg(target_os = "linux")]
    {
        use nix::sched::{CpuSet, sched_getaffinity};
        let allowed = sched_getaffinity(nix::unistd::Pid::from_raw(0)).ok()?;
        let mut cpus = (0..CpuSet::count()).filter(|&c| allowed.is_set(c).unwrap_or(false));
        let first = cpus.next()?;
        match cores {
            Cores::One => Some([first, first]),
            Cores::Two => Some([first, cpus.next()?]),
        }
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = cores;
        None
    }
}

/// Keeps the calling thread on `cpu`; None leaves it where the scheduler puts it.
fn pin(cpu: Option<usize>) {
    #[cfg(target_os = "linux")]
    if let Some(cpu) = cpu {
        use nix::sched::{CpuSet, sched_setaffinity};
        let mut set = CpuSet::new();
        if set.set(cpu).is_ok() {
            // If the kernel refuses, the thread runs where the scheduler puts it.
            let _ = sched_setaffinity(nix::unistd::Pid::from_raw(0), &set);
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = cpu;
}

/// Sends 0..size from a producer thread with `send` (false: the receiver is gone) and sums
/// what arrives on `received` in a consumer thread, the two on `cores`; the sum ends when the
/// producer drops its sender.
fn sum_through<R>(
    size: u64,
    cores: Cores,
    send: impl Fn(u64) -> bool + Send + 'static,
    received: R,
) -> Res<u64>
where
    R: IntoIterator<Item = u64> + Send + 'static,
{
    let cpus = cpus_for(cores);
    let producer = std::thread::spawn(move || {
        pin(cpus.map(|c| c[0]));
        for i in 0..size {
            if !send(i) {
                return;
            }
        }
    });
    let consumer = std::thread::spawn(move || {
        pin(cpus.map(|c| c[1]));
        received.into_iter().sum::<u64>()
    });
    let total = consumer.join().map_err(|_| "consumer panicked")?;
    producer.join().map_err(|_| "producer panicked")?;
    Ok(total)
}

/// Runs one Rust variant once; returns its answer (bytes, round trips or the message sum).
fn rust_once(kind: Kind, size: u64, exe: &std::path::Path) -> Res<u64> {
    match kind {
        Kind::Pipe => {
            let mut child = crate::child::command(exe, NAME, &Role::PipeWriter { bytes: size })
                .stdout(Stdio::piped())
                .spawn()?;
            let mut out = child.stdout.take().ok_or("child has no stdout")?;
            let mut buf = vec![0u8; BLOCK];
            let mut got = 0u64;
            loop {
                let n = out.read(&mut buf)?;
                if n == 0 {
                    break;
                }
                got += n as u64;
            }
            child.wait()?;
            Ok(got)
        }
        Kind::Copy => {
            let (src, mut dst) = (vec![1u8; BLOCK], vec![0u8; BLOCK]);
            let mut copied = 0u64;
            while copied < size {
                let n = (size - copied).min(BLOCK as u64) as usize;
                // black_box keeps the optimiser from skipping copies nobody reads.
                dst[..n].copy_from_slice(std::hint::black_box(&src[..n]));
                std::hint::black_box(&mut dst);
                copied += n as u64;
            }
            Ok(copied)
        }
        Kind::RoundTrip => {
            let mut child = crate::child::command(exe, NAME, &Role::Echo)
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .spawn()?;
            let mut to = child.stdin.take().ok_or("child has no stdin")?;
            let mut from = child.stdout.take().ok_or("child has no stdout")?;
            let mut byte = [b'x'];
            let mut done = 0;
            for _ in 0..size {
                to.write_all(&byte)?;
                from.read_exact(&mut byte)?;
                done += 1;
            }
            drop(to); // EOF ends the echo loop
            child.wait()?;
            Ok(done)
        }
        Kind::StdChannel(cores) => {
            let (tx, rx) = std::sync::mpsc::sync_channel(1024);
            sum_through(size, cores, move |i| tx.send(i).is_ok(), rx)
        }
        Kind::Crossbeam(cores) => {
            let (tx, rx) = crossbeam::channel::bounded(1024);
            sum_through(size, cores, move |i| tx.send(i).is_ok(), rx)
        }
        Kind::Tokio => {
            let rt = tokio::runtime::Runtime::new()?;
            rt.block_on(async {
                let (tx, mut rx) = tokio::sync::mpsc::channel(1024);
                let producer = tokio::spawn(async move {
                    for i in 0..size {
                        if tx.send(i).await.is_err() {
                            return;
                        }
                    }
                });
                let mut total = 0u64;
                while let Some(i) = rx.recv().await {
                    total += i;
                }
                producer.await?;
                Ok(total)
            })
        }
    }
}

fn run(cfg: &Cfg) -> Res<Vec<Row>> {
    let mut rows = Vec::new();
    for kind in Kind::measured(cfg.mode) {
        let (rust_size, py_size) = kind.sizes(cfg.mode);
        let mut row = Row::new(NAME, kind, kind.item(), kind.rust_label());
        let scale = kind.scale(rust_size);
        row.higher_is_better = scale.higher_is_better();
        let (py, py_label) = kind.python();
        let args = [py.to_string(), py_size.to_string()];
        crate::pair::in_rounds(
            cfg,
            &SCRIPT,
            &mut row,
            || timed(|| rust_once(kind, rust_size, &cfg.exe)),
            scale,
            py_label,
            &args,
            kind.scale(py_size),
        );
        let same = rust_size == py_size;
        if same {
            row.compare_answers();
        }
        if let Some(cores) = kind.cores() {
            row.notes.push(match (cpus_for(cores), cores) {
                (Some([a, _]), Cores::One) => format!(
                    "both sides pinned to CPU {a}, Rust and Python alike: what the channel's own \
                     code costs (the targets read this row)"
                ),
                (Some([a, b]), Cores::Two) => format!(
                    "each side pinned to its own core (CPUs {a} and {b}), Rust and Python alike: \
                     every message also crosses between the cores' caches, whose cost depends on \
                     the machine"
                ),
                (None, _) => "not pinned (too few CPUs, or no sched_setaffinity here)".into(),
            });
        }
        if !same {
            row.notes
                .push(format!("Rust moved {rust_size}, Python {py_size}"));
        }
        rows.push(row.finish());
    }
    Ok(rows)
}

fn targets(rows: &[Row]) -> Vec<Target> {
    let median = |kind, rust: bool| {
        find(rows, &kind).and_then(|r| {
            if rust {
                r.rust.median()
            } else {
                r.python.median()
            }
        })
    };
    let queue = median(Kind::StdChannel(Cores::One), false);
    let mut out = Vec::new();
    for (kind, name) in [
        (Kind::StdChannel(Cores::One), "std"),
        (Kind::Crossbeam(Cores::One), "crossbeam"),
    ] {
        out.push(check(
            format!("ipc.{name}_vs_queue"),
            format!(
                "ipc: {name} channel >= 100x the messages/s of multiprocessing.Queue (each on one core)"
            ),
            median(kind, true).zip(queue).map(|(r, q)| r / q),
            times,
            Some(&|v| v >= 100.0),
        ));
    }
    let (pipe, copy) = (median(Kind::Pipe, true), median(Kind::Copy, true));
    let figures = pipe.zip(copy);
    out.push(check(
        "ipc.pipe_vs_copy",
        "ipc: pipe bandwidth beside an in-memory copy of the same bytes",
        figures.map(|(p, c)| p / c),
        |share| match figures {
            Some((p, c)) => format!(
                "pipe {} GB/s, copy {} GB/s ({:.0}% of the limit)",
                sig(p),
                sig(c),
                100.0 * share
            ),
            None => "n/a".into(),
        },
        None,
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_role_comes_back_as_it_was_sent() {
        for role in [Role::PipeWriter { bytes: 1 << 20 }, Role::Echo] {
            let json = serde_json::to_string(&role).expect("a role is plain data");
            let back: Role = crate::child::parse(&json).expect("its own JSON parses");
            assert_eq!(back, role);
        }
    }

    #[test]
    fn a_quick_run_leaves_the_two_core_channels_to_the_full_run() {
        let quick = Kind::measured(Mode::Quick);
        assert!(quick.contains(&Kind::StdChannel(Cores::One)));
        assert!(quick.contains(&Kind::Crossbeam(Cores::One)));
        assert!(quick.iter().all(|k| k.cores() != Some(Cores::Two)));
        assert_eq!(quick.len(), Kind::ALL.len() - 2);
        assert_eq!(Kind::measured(Mode::Full), Kind::ALL);
        assert_eq!(Kind::measured(Mode::Smoke), Kind::ALL);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn one_core_pins_both_sides_to_one_cpu_and_two_cores_to_two() {
        use nix::sched::{CpuSet, sched_getaffinity};
        let allowed = sched_getaffinity(nix::unistd::Pid::from_raw(0)).expect("affinity");
        let first = (0..CpuSet::count())
            .find(|&c| allowed.is_set(c).unwrap_or(false))
            .expect("a CPU to run on");
        assert_eq!(cpus_for(Cores::One), Some([first, first]));
        match cpus_for(Cores::Two) {
            Some([a, b]) => {
                assert_eq!(a, first);
                assert!(b > a && allowed.is_set(b).expect("a CPU number"), "{b}");
            }
            None => eprintln!("skipped the two-core check: one CPU here"),
        }
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn pin_keeps_the_calling_thread_on_that_cpu() {
        use nix::sched::sched_getaffinity;
        let [cpu, _] = cpus_for(Cores::One).expect("a CPU to run on");
        // In a thread of its own: pinning the test's thread would outlive the test.
        let on = std::thread::spawn(move || {
            pin(Some(cpu));
            sched_getaffinity(nix::unistd::Pid::from_raw(0)).expect("affinity")
        })
        .join()
        .expect("the thread does not panic");
        let count = (0..nix::sched::CpuSet::count())
            .filter(|&c| on.is_set(c).unwrap_or(false))
            .count();
        assert!(
            on.is_set(cpu).expect("a CPU number") && count == 1,
            "{on:?}"
        );
    }
}
