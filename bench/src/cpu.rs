//! cpu group: the same chunked work run sequentially, by threads, by forked processes, by a
//! worker pool and by rayon; Python runs it sequentially, by threads, processes and a Pool.

use crate::model::{Cell, Cfg, Mode, Row};
use crate::stats::{Fig, Res, Scale, timed};
use crate::work::{Job, Kind};
use crossbeam::channel;
use rayon::prelude::*;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;

/// Enough chunks that the last ones finish close together on any core count.
const CHUNKS: usize = 64;

pub fn size(mode: Mode, kind: Kind) -> u64 {
    match kind {
        Kind::Primes => mode.pick(20_000, 200_000, 1_000_000),
        Kind::Leibniz => mode.pick(20_000, 1_000_000, 10_000_000),
        Kind::Bsearch => mode.pick(20_000, 400_000, 8_000_000),
    }
}

/// Worker counts for the parallel variants: quick runs only use every core.
pub fn worker_counts(cfg: &Cfg) -> Vec<usize> {
    match cfg.mode {
        Mode::Full => {
            let mut w: Vec<usize> = (1..=cfg.cores).collect();
            w.push(cfg.cores * 2);
            w
        }
        _ => vec![cfg.cores],
    }
}

pub fn planned(cfg: &Cfg) -> u64 {
    (Kind::ALL.len() * (2 + 7 * worker_counts(cfg).len())) as u64
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Variant {
    Sequential,
    Threads,
    Processes,
    Pool,
    Rayon,
}

impl Variant {
    pub const ALL: [Variant; 5] = [
        Variant::Sequential,
        Variant::Threads,
        Variant::Processes,
        Variant::Pool,
        Variant::Rayon,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Variant::Sequential => "sequential",
            Variant::Threads => "threads",
            Variant::Processes => "processes",
            Variant::Pool => "pool",
            Variant::Rayon => "rayon",
        }
    }

    /// The Python script's variant doing the same thing, if any.
    pub fn python(self) -> Option<&'static str> {
        match self {
            Variant::Rayon => None,
            v => Some(v.name()),
        }
    }
}

fn sequential(job: &Job) -> Vec<u64> {
    (0..job.chunks).map(|i| job.run_chunk(i)).collect()
}

/// Each thread takes the next chunk number from a shared counter until none are left.
fn threads(job: &Job, workers: usize) -> Vec<u64> {
    let next = AtomicUsize::new(0);
    let mut results = vec![0u64; job.chunks];
    thread::scope(|s| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                s.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= job.chunks {
                            return mine;
                        }
                        mine.push((i, job.run_chunk(i)));
                    }
                })
            })
            .collect();
        for h in handles {
            for (i, r) in h.join().expect("a worker thread only does arithmetic") {
                results[i] = r;
            }
        }
    });
    results
}

/// Forked workers share one anonymous mapping: slot 0 is the next-chunk counter, slot 1 + i
/// holds chunk i's result. Processes share no memory otherwise, so this is what Python's
/// multiprocessing.Value does by hand.
#[cfg(unix)]
fn processes(job: &Job, workers: usize) -> Res<Vec<u64>> {
    use nix::sys::mman::{MapFlags, ProtFlags, mmap_anonymous, munmap};
    use nix::sys::wait::{WaitStatus, waitpid};
    use nix::unistd::{ForkResult, fork};
    use std::num::NonZeroUsize;
    use std::sync::atomic::AtomicU64;

    let slots = job.chunks + 1;
    let bytes = NonZeroUsize::new(slots * size_of::<AtomicU64>()).ok_or("no chunks")?;
    // SAFETY: a new anonymous mapping aliases no existing memory; it is unmapped below only
    // after every child that uses it has been reaped.
    let ptr = unsafe {
        mmap_anonymous(
            None,
            bytes,
            ProtFlags::PROT_READ | ProtFlags::PROT_WRITE,
            MapFlags::MAP_SHARED,
        )?
    };
    // SAFETY: the mapping is page-aligned, zero-filled, `slots` AtomicU64s long and lives until
    // munmap below; AtomicU64 has no invalid bit patterns and all access to it is atomic.
    let shared: &[AtomicU64] =
        unsafe { std::slice::from_raw_parts(ptr.as_ptr().cast::<AtomicU64>(), slots) };
    let mut children = Vec::with_capacity(workers);
    let mut failure = None;
    for _ in 0..workers {
        // SAFETY: the child only does arithmetic on memory that already exists (no allocation,
        // no locks), atomic operations and _exit: all safe in the child of a threaded program.
        match unsafe { fork() } {
            Ok(ForkResult::Child) => {
                loop {
                    let i = shared[0].fetch_add(1, Ordering::Relaxed) as usize;
                    if i >= job.chunks {
                        break;
                    }
                    shared[1 + i].store(job.run_chunk(i), Ordering::Relaxed);
                }
                // SAFETY: _exit ends the child without running the parent's atexit handlers or
                // flushing its copied stdio buffers.
                unsafe { nix::libc::_exit(0) }
            }
            Ok(ForkResult::Parent { child }) => children.push(child),
            Err(e) => {
                failure = Some(e);
                break;
            }
        }
    }
    let mut ok = true;
    for child in children {
        ok &= matches!(waitpid(child, None), Ok(WaitStatus::Exited(_, 0)));
    }
    // waitpid made the children's stores visible to us (the kernel orders them).
    let results = shared[1..]
        .iter()
        .map(|s| s.load(Ordering::Relaxed))
        .collect();
    let counter = shared[0].load(Ordering::Relaxed) as usize;
    // SAFETY: `shared` is not used after this point and no child is left to use the mapping.
    unsafe { munmap(ptr, bytes.get())? };
    if let Some(e) = failure {
        return Err(format!("fork: {e}").into());
    }
    if !ok || counter < job.chunks {
        return Err("a forked worker did not finish".into());
    }
    Ok(results)
}

#[cfg(not(unix))]
fn processes(_job: &Job, _workers: usize) -> Res<Vec<u64>> {
    Err("fork is Unix-only".into())
}

/// A pool of worker threads started once and fed chunk numbers over a channel, as
/// multiprocessing.Pool is fed tasks; starting it is not part of a timed run.
pub struct Pool {
    tasks: Option<channel::Sender<usize>>,
    results: channel::Receiver<(usize, u64)>,
    handles: Vec<thread::JoinHandle<()>>,
    chunks: usize,
}

impl Pool {
    pub fn new(job: Arc<Job>, workers: usize) -> Pool {
        let (task_tx, task_rx) = channel::unbounded::<usize>();
        let (res_tx, res_rx) = channel::unbounded();
        let handles = (0..workers)
            .map(|_| {
                let (rx, tx, job) = (task_rx.clone(), res_tx.clone(), Arc::clone(&job));
                thread::spawn(move || {
                    for i in rx {
                        if tx.send((i, job.run_chunk(i))).is_err() {
                            return;
                        }
                    }
                })
            })
            .collect();
        Pool {
            tasks: Some(task_tx),
            results: res_rx,
            handles,
            chunks: job.chunks,
        }
    }

    pub fn run(&self) -> Res<Vec<u64>> {
        let tasks = self.tasks.as_ref().ok_or("pool is shut down")?;
        for i in 0..self.chunks {
            tasks.send(i)?;
        }
        let mut results = vec![0u64; self.chunks];
        for _ in 0..self.chunks {
            let (i, r) = self.results.recv()?;
            results[i] = r;
        }
        Ok(results)
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        // Closing the task channel ends each worker's loop; then they can be joined.
        self.tasks = None;
        for h in self.handles.drain(..) {
            let _ = h.join();
        }
    }
}

/// A variant ready to run: pools are started here, outside any timed run.
enum Runner {
    Sequential,
    Threads(usize),
    Processes(usize),
    Pool(Pool),
    Rayon(rayon::ThreadPool),
}

impl Runner {
    fn new(job: &Arc<Job>, variant: Variant, workers: usize) -> Res<Runner> {
        Ok(match variant {
            Variant::Sequential => Runner::Sequential,
            Variant::Threads => Runner::Threads(workers),
            Variant::Processes => Runner::Processes(workers),
            Variant::Pool => Runner::Pool(Pool::new(Arc::clone(job), workers)),
            Variant::Rayon => Runner::Rayon(
                rayon::ThreadPoolBuilder::new()
                    .num_threads(workers)
                    .build()?,
            ),
        })
    }

    fn run(&self, job: &Job) -> Res<Vec<u64>> {
        match self {
            Runner::Sequential => Ok(sequential(job)),
            Runner::Threads(w) => Ok(threads(job, *w)),
            Runner::Processes(w) => processes(job, *w),
            Runner::Pool(pool) => pool.run(),
            Runner::Rayon(pool) => Ok(pool.install(|| {
                (0..job.chunks)
                    .into_par_iter()
                    .map(|i| job.run_chunk(i))
                    .collect()
            })),
        }
    }
}

/// The answer one Rust variant computes (used by `bench check`).
pub fn answer(job: &Arc<Job>, variant: Variant, workers: usize) -> Res<serde_json::Value> {
    Ok(job.combine(&Runner::new(job, variant, workers)?.run(job)?))
}

pub fn python_args(job: &Job, variant: &str, workers: usize, runs: (usize, usize)) -> Vec<String> {
    let (warmup, repeats) = runs;
    vec![
        job.kind.name().into(),
        variant.into(),
        job.size.to_string(),
        job.chunks.to_string(),
        workers.to_string(),
        warmup.to_string(),
        repeats.to_string(),
    ]
}

/// Times every Rust variant of one workload round-robin: repeat 1 of each, then repeat 2 of
/// each, and so on, so that a slow spell of a shared machine hits all variants alike and the
/// speedups (ratios within the run) stay fair. A pool is started before its timed run and
/// stopped after it, so idle pool threads never compete with the next variant.
fn measure_rust(cfg: &Cfg, job: &Arc<Job>, rows: &mut [Row]) {
    cfg.step(&format!(
        "cpu {}: Rust variants, round-robin",
        job.kind.name()
    ));
    let mut samples = vec![Vec::new(); rows.len()];
    for rep in 0..cfg.runs.warmup + cfg.runs.repeats {
        for (row, secs) in rows.iter_mut().zip(samples.iter_mut()) {
            if !row.notes.is_empty() {
                continue; // this variant already failed
            }
            let variant = Variant::ALL
                .into_iter()
                .find(|v| v.name() == row.rust_variant)
                .unwrap_or(Variant::Sequential);
            let result = Runner::new(job, variant, row.workers.unwrap_or(1))
                .and_then(|runner| timed(|| runner.run(job)));
            match result {
                Ok((results, s)) => {
                    row.rust_answer = job.combine(&results);
                    if rep >= cfg.runs.warmup {
                        secs.push(s);
                    }
                }
                Err(e) => row.notes.push(format!("Rust: {e}")),
            }
        }
    }
    for (row, secs) in rows.iter_mut().zip(samples) {
        if !secs.is_empty() && row.notes.is_empty() {
            row.rust = Cell::Fig(Fig::from_secs(Scale::Secs, &secs));
        }
        cfg.done();
    }
}

fn measure_python(cfg: &Cfg, job: &Job, row: &mut Row) {
    let workers = row.workers.unwrap_or(1);
    let variant = Variant::ALL
        .into_iter()
        .find(|v| v.name() == row.rust_variant)
        .and_then(Variant::python);
    if let Some(py) = variant {
        cfg.step(&format!("cpu {} Python {py} x{workers}", job.kind.name()));
        let args = python_args(job, py, workers, (cfg.runs.warmup, cfg.runs.repeats));
        row.set_python(py, cfg.py("cpu.py", &args), |s| {
            Fig::from_secs(Scale::Secs, s)
        });
        row.compare_answers();
        cfg.done();
    }
}

pub fn run(cfg: &Cfg) -> Res<Vec<Row>> {
    let mut out = Vec::new();
    for kind in Kind::ALL {
        cfg.step(&format!("cpu {}: building input", kind.name()));
        let job = Arc::new(Job::new(kind, size(cfg.mode, kind), CHUNKS));
        let mut rows = Vec::new();
        let mut add = |variant: Variant, workers: usize| {
            let mut row = Row::new("cpu", kind.describe(job.size), variant.name());
            row.workers = Some(workers);
            rows.push(row);
        };
        add(Variant::Sequential, 1);
        for &w in &worker_counts(cfg) {
            for v in &Variant::ALL[1..] {
                add(*v, w);
            }
        }
        measure_rust(cfg, &job, &mut rows);
        for row in &mut rows {
            measure_python(cfg, &job, row);
        }
        let rust_seq = rows[0].rust.median();
        let py_seq = rows[0].python.median();
        for mut row in rows {
            row.rust_speedup = rust_seq.zip(row.rust.median()).map(|(s, m)| s / m);
            row.python_speedup = py_seq.zip(row.python.median()).map(|(s, m)| s / m);
            out.push(row.finish());
        }
    }
    Ok(out)
}
