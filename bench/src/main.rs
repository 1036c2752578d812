//! bench: the CPU-bound and I/O-bound claims of the examples, measured on this machine, Rust
//! beside the Python originals (bench/python/*.py run as child processes) in one run.
//!
//! Groups: cpu (primes, Leibniz pi, binary search: sequential, threads, processes, pool,
//! rayon), io (N concurrent waits: tokio, OS threads, asyncio, Python threads), spawn (cost of
//! a start), ipc (pipes, channels, queues), locks (Mutex, atomics, threading.Lock), realworld
//! (word frequencies, hashing a file tree, scraping a slow local server).
//!
//! Run with: cargo run -p bench --release -- [GROUP...] [--quick] [--out DIR]
//!
//! ```text
//! Calibration: two plain busy threads ran 1.98x as fast as one ...
//! ### cpu: time per run; speedup = sequential / this, same side
//! | workload | variant | workers | Rust | Rust speedup | Python | Python speedup | Rust faster by |
//! ...
//! ### targets (BENCH.md)
//! ...
//! ```

mod calibrate;
mod charts;
mod config;
mod cpu;
mod env;
mod group;
mod io;
mod ipc;
mod locks;
mod python;
mod realworld;
mod report;
mod row;
mod spawn;
mod stats;
mod targets;
mod work;

use clap::Parser;
use config::{Cfg, Mode};
use group::Group;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use row::Row;
use serde_json::{Value, json};
use stats::Runs;
use std::error::Error;
use std::io::Write as _;
use std::path::PathBuf;
use std::sync::Arc;

// mimalloc, not the system's malloc: a tokio task is one allocation aligned to 128 bytes, and
// glibc serves an aligned allocation by carving it from a larger block, losing about 120 bytes
// per task (a million sleeping tasks' peak: 388 bytes each with glibc, 264 with mimalloc).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Every fallible function of the bench returns this.
pub type Res<T> = Result<T, Box<dyn Error>>;

/// Measures the tutorial's claims on this machine, Rust beside Python. The table goes to
/// stdout, progress to stderr. Python columns need python3 on the PATH (or
/// BENCH_PYTHON=/path/to/python); without it they say n/a. Build with --release: a debug
/// build measures the debug build.
#[derive(Parser)]
#[command(
    name = "bench",
    override_usage = "bench [GROUP...] [--quick | --smoke] [--out DIR]"
)]
struct Args {
    /// Groups to run (default: all of them).
    #[arg(value_enum)]
    groups: Vec<Group>,
    /// The full run's cpu sizes and repeats; fewer variants, worker counts and N, smaller
    /// inputs: about a minute on 2 cores.
    #[arg(long, conflicts_with = "smoke")]
    quick: bool,
    /// Tiny sizes, one run each: checks that everything works in seconds (its figures mean
    /// nothing).
    #[arg(long)]
    smoke: bool,
    /// Also write DIR/results.json, DIR/results.md and SVG charts.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// An earlier run's results.json: the targets table shows its figures beside this run's
    /// and how far each moved (the spread between runs).
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
}

fn run(args: Args) -> Res<()> {
    let mode = match (args.quick, args.smoke) {
        (_, true) => Mode::Smoke,
        (true, _) => Mode::Quick,
        _ => Mode::Full,
    };
    let baseline: Option<Value> = match &args.baseline {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("reading {}: {e}", path.display()))?;
            Some(
                serde_json::from_str(&text)
                    .map_err(|e| format!("{} is not results.json: {e}", path.display()))?,
            )
        }
        None => None,
    };
    let mut groups = args.groups;
    if groups.is_empty() {
        groups = Group::ALL.to_vec();
    }
    groups.dedup();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let runs = mode.pick(Runs::new(0, 1), Runs::new(1, 5), Runs::new(1, 5));
    let cfg = Cfg {
        mode,
        runs,
        cores,
        exe: std::env::current_exe()?,
        python: python::Python::find(),
        progress: ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr()),
    };
    let planned: u64 = groups.iter().map(|g| g.planned(&cfg)).sum();
    cfg.progress.set_length(planned);
    cfg.progress.set_style(ProgressStyle::with_template(
        "{bar:30} {pos}/{len} {elapsed_precise} {msg}",
    )?);
    cfg.progress
        .enable_steady_tick(std::time::Duration::from_millis(250));
    cfg.step("calibration: one busy thread, then two");
    let calibration = calibrate::measure(&cfg);
    let env = env::Env::collect(&cfg, Some(calibration));
    let mut rows: Vec<Row> = Vec::new();
    let mut group_seconds = Vec::new();
    for g in &groups {
        let start = std::time::Instant::now();
        rows.append(&mut g.run(&cfg)?);
        group_seconds.push((*g, start.elapsed().as_secs_f64()));
    }
    cfg.step("calibration again: did the machine stay as it was?");
    let env = env::Env {
        calibration_end: Some(calibrate::measure(&cfg)),
        load_average_end: env::load_average(),
        group_seconds,
        ..env
    };
    cfg.progress.finish_and_clear();
    let mut targets: Vec<targets::Target> =
        groups.iter().flat_map(|g| g.targets(&rows, &cfg)).collect();
    targets.push(targets::python_counterparts(&rows));
    let text = format!(
        "{}{}",
        report::markdown(&rows, &env),
        targets::markdown(&targets, baseline.as_ref())
    );
    print_quietly(&text)?;
    if let Some(dir) = &args.out {
        let io_err =
            |what: &str, e: &dyn std::fmt::Display| format!("{what} in {}: {e}", dir.display());
        std::fs::create_dir_all(dir).map_err(|e| io_err("creating the output directory", &e))?;
        let json = json!({"environment": env, "rows": rows, "targets": targets});
        std::fs::write(
            dir.join("results.json"),
            serde_json::to_string_pretty(&json)?,
        )
        .map_err(|e| io_err("writing results.json", &e))?;
        std::fs::write(dir.join("results.md"), &text)
            .map_err(|e| io_err("writing results.md", &e))?;
        if groups.contains(&Group::Cpu) {
            charts::cpu(&rows, cores, &dir.join("cpu_speedup.svg"))?;
        }
        if groups.contains(&Group::Io) {
            charts::io(&rows, false, &dir.join("io_wall.svg"))?;
            charts::io(&rows, true, &dir.join("io_memory.svg"))?;
        }
        if groups.contains(&Group::Realworld) {
            charts::realworld(&rows, &dir.join("realworld.svg"))?;
        }
        eprintln!(
            "wrote results.json, results.md and charts to {}",
            dir.display()
        );
    }
    Ok(())
}

/// Writes the report to stdout. A reader that stops early (`bench | head`) closes the pipe: that
/// ends the output quietly, as it does for any Unix filter, instead of a panic from println!.
fn print_quietly(text: &str) -> Res<()> {
    let mut out = std::io::stdout().lock();
    match writeln!(out, "{text}").and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

/// Hidden `bench check`: the answer of every Rust variant on small inputs, with the Python
/// script and arguments that must give the same answer (the tests run them and compare).
fn check() -> Res<()> {
    let exe = std::env::current_exe()?;
    let mut checks: Vec<Value> = Vec::new();
    let mut add = |name: String, script: &str, args: Vec<String>, rust: Value| {
        checks.push(json!({"name": name, "script": script, "args": args, "rust": rust}));
    };
    for kind in work::Kind::ALL {
        let mut job = work::Job::new(kind, 20_000, 8);
        job.rounds = 2; // a run repeats the work: the answer must not change
        let job = Arc::new(job);
        for variant in cpu::Variant::ALL {
            let rust = cpu::answer(&job, variant, 2)?;
            let py = variant.python().unwrap_or("sequential");
            // cpu.py prints {VARIANT: {"answer", ...}}: "VARIANT" names the part to compare.
            let args = cpu::python_args(&job, &[py], 2, Runs::new(0, 1));
            add(
                format!("cpu {} {}", kind.name(), variant.name()),
                "cpu.py",
                args,
                json!({ py: { "answer": rust } }),
            );
        }
    }
    for case in io::Case::WAITS {
        let out = io::child(&exe, case.role(), 50, 5)?;
        add(
            format!("io {}", case.role()),
            "io.py",
            vec![case.python().into(), "50".into(), "5".into()],
            json!({ "answer": out["answer"] }),
        );
    }
    // "PORT" in the Python arguments stands for a server the replaying side starts itself.
    let server = io::Server::start(&exe, 1)?;
    for case in io::Case::HTTP {
        let out = io::child(&exe, case.role(), 20, u64::from(server.port))?;
        let args = vec![case.python().into(), "20".into(), "PORT".into()];
        add(
            format!("io {}", case.role()),
            "io.py",
            args,
            json!({ "answer": out["answer"] }),
        );
    }
    drop(server);
    for kind in ipc::Kind::ALL {
        let (size, _) = kind.sizes(Mode::Smoke);
        let rust = ipc::rust_once(kind, size, &exe)?;
        let args = vec![
            kind.python().0.into(),
            size.to_string(),
            "0".into(),
            "1".into(),
        ];
        add(
            format!("ipc {kind:?}"),
            "ipc.py",
            args,
            json!({ "answer": rust }),
        );
    }
    for atomic in [false, true] {
        let rust = locks::increments(atomic, 1000, 2)?;
        let args = vec!["1000".into(), "2".into(), "0".into(), "1".into()];
        add(
            format!("locks atomic={atomic}"),
            "locks.py",
            args,
            json!({ "answer": rust }),
        );
    }
    #[cfg(unix)]
    add(
        "spawn fork".into(),
        "spawn.py",
        vec!["fork".into(), "3".into(), "0".into(), "1".into()],
        json!({ "answer": spawn::fork_wait(3)? }),
    );
    println!("{}", json!({ "checks": checks }));
    Ok(())
}

fn dispatch(args: &[String]) -> Res<()> {
    match args.first().map(String::as_str) {
        Some("check") => check(),
        Some("__io") => io::role(&args[1..]),
        Some("__http-server") => io::server_role(&args[1..]),
        Some("__realworld") => realworld::role(&args[1..]),
        Some("__scrape-server") => realworld::server_role(&args[1..]),
        Some("__words-part") => realworld::words_part_role(&args[1..]),
        Some("__hash-part") => realworld::hash_part_role(&args[1..]),
        Some("__noop") => Ok(()),
        Some("__fork-wait") => spawn::fork_wait_role(&args[1..]),
        Some("__pipe-writer") => ipc::pipe_writer(&args[1..]),
        Some("__echo") => ipc::echo(),
        // Anything else is the command line of a run: clap prints its own errors (exit 2).
        _ => run(Args::parse()),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Err(e) = dispatch(&args) {
        eprintln!("error: bench: {e}");
        std::process::exit(1);
    }
}
