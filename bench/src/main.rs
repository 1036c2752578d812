//! bench: the CPU-bound and I/O-bound claims of the examples, measured on this machine, Rust
//! beside the Python originals (bench/python/*.py run as child processes) in one run.
//!
//! Groups: cpu (primes, Leibniz pi, binary search: sequential, threads, processes, pool,
//! rayon; Python 3.14's subinterpreters), io (N concurrent waits: tokio, OS threads, one task
//! joining them, asyncio, Python threads), spawn (cost of a start), ipc (pipes, channels,
//! queues), locks (Mutex, atomics, threading.Lock), realworld (word frequencies, hashing a file
//! tree, scraping a slow local server).
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
mod child;
mod config;
mod env;
mod group;
mod pair;
mod python;
mod report;
mod row;
mod stats;
mod targets;
mod work;

// The groups, each one module; GROUPS lists them in the order they run.
mod cpu;
mod io;
mod ipc;
mod locks;
mod realworld;
mod spawn;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use config::{Cfg, Mode};
use group::Group;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use row::Row;
use serde_json::{Value, json};
use stats::Runs;
use std::error::Error;
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// Every group of measurements; adding one is a module and a line here.
const GROUPS: &[&dyn Group] = &[
    &cpu::Cpu,
    &io::Io,
    &spawn::Spawn,
    &ipc::Ipc,
    &locks::Locks,
    &realworld::Realworld,
];

// mimalloc, not the system's malloc: a tokio task is one allocation aligned to 128 bytes, and
// glibc serves an aligned allocation by carving it from a larger block, losing about 120 bytes
// per task (a million sleeping tasks' peak: 388 bytes each with glibc, 264 with mimalloc).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Every fallible function of the bench returns this.
pub type Res<T> = Result<T, Box<dyn Error>>;

/// Measures the tutorial's claims on this machine, Rust beside Python. The table goes to
/// stdout, progress to stderr. Python columns need python3 on the PATH; without it they say
/// n/a. The cpu, locks and realworld groups also run Python 3.14 and 3.14t where
/// scripts/python.sh built them (BENCH_PYTHON=/path/a:/path/b names the builds instead, the
/// first standing for python3). Build with --release: a debug build measures the debug build.
#[derive(Parser)]
#[command(
    name = "bench",
    override_usage = "bench [GROUP...] [--quick | --smoke] [--out DIR]",
    args_conflicts_with_subcommands = true
)]
struct Args {
    /// Groups to run (default: all of them).
    groups: Vec<String>,
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
    #[command(subcommand)]
    hidden: Option<Hidden>,
}

/// What the bench runs itself as: never typed by a user, so not in --help.
#[derive(Subcommand)]
enum Hidden {
    /// The answer of every Rust variant on small inputs, with the Python script and arguments
    /// that must give the same answer (the tests run them and compare).
    #[command(hide = true)]
    Check,
    /// One of a group's child roles (see child.rs).
    #[command(hide = true, name = child::SUBCOMMAND)]
    Child { group: String, role: String },
}

fn find_group(name: &str) -> Res<&'static dyn Group> {
    GROUPS
        .iter()
        .copied()
        .find(|g| g.name() == name)
        .ok_or_else(|| format!("no group {name:?}").into())
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
            let json: Value = serde_json::from_str(&text)
                .map_err(|e| format!("{} is not results.json: {e}", path.display()))?;
            // Checked now, not after a run of many minutes: a file without rows is no run.
            if json["rows"].as_array().is_none_or(Vec::is_empty) {
                return Err(format!(
                    "{} holds no rows: not the results.json of a run",
                    path.display()
                )
                .into());
            }
            Some(json)
        }
        None => None,
    };
    if let Some(dir) = &args.out {
        writable(dir)?;
    }
    let mut groups: Vec<&dyn Group> = Vec::new();
    for name in &args.groups {
        let g = find_group(name)?;
        if !groups.iter().any(|h| h.name() == g.name()) {
            groups.push(g);
        }
    }
    if groups.is_empty() {
        groups = GROUPS.to_vec();
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let runs = mode.pick(Runs::new(0, 1), Runs::new(1, 5), Runs::new(1, 5));
    let cfg = Cfg {
        mode,
        runs,
        cores,
        exe: std::env::current_exe()?,
        python: python::Python::find(),
        others: python::other_builds(),
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
    let mut measured: Vec<(&dyn Group, Vec<Row>)> = Vec::new();
    let mut group_seconds = Vec::new();
    for g in &groups {
        let start = std::time::Instant::now();
        measured.push((*g, g.run(&cfg)?));
        group_seconds.push((g.name(), start.elapsed().as_secs_f64()));
    }
    cfg.step("calibration again: did the machine stay as it was?");
    let env = env::Env {
        calibration_end: Some(calibrate::measure(&cfg)),
        load_average_end: env::load_average(),
        group_seconds,
        ..env
    };
    cfg.progress.finish_and_clear();
    let mut targets: Vec<targets::Target> = measured
        .iter()
        .flat_map(|(g, rows)| g.targets(rows, &cfg))
        .collect();
    let rows: Vec<Row> = measured.iter().flat_map(|(_, r)| r.clone()).collect();
    targets.push(targets::python_counterparts(&rows));
    let mut text = report::header(&env);
    for (g, rows) in measured.iter().filter(|(_, rows)| !rows.is_empty()) {
        text.push_str(&report::section(&g.table(rows, &cfg), rows));
    }
    text.push_str(&targets::markdown(&targets, baseline.as_ref()));
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
        for (g, rows) in &measured {
            g.charts(rows, &cfg, dir)?;
        }
        eprintln!(
            "wrote results.json, results.md and charts to {}",
            dir.display()
        );
    }
    Ok(())
}

/// Makes `dir` and writes a file into it, so an --out that cannot be written is found before
/// the run, not after it.
fn writable(dir: &Path) -> Res<()> {
    let probe = dir.join(".bench-writable");
    std::fs::create_dir_all(dir)
        .and_then(|()| std::fs::write(&probe, b""))
        .and_then(|()| std::fs::remove_file(&probe))
        .map_err(|e| format!("cannot write into --out {}: {e}", dir.display()).into())
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

/// Hidden `bench check`: every group's answers.
fn check(exe: &Path) -> Res<()> {
    let mut checks = Vec::new();
    for g in GROUPS {
        checks.extend(g.checks(exe)?);
    }
    println!("{}", json!({ "checks": checks }));
    Ok(())
}

fn main() {
    // The groups' names are the values GROUP may take (clap lists them in its errors).
    let names: Vec<&str> = GROUPS.iter().map(|g| g.name()).collect();
    let command = Args::command().mut_arg("groups", |a| {
        a.value_parser(clap::builder::PossibleValuesParser::new(names))
    });
    // Bad arguments: clap prints its own error (exit 2).
    let args = Args::from_arg_matches(&command.get_matches()).unwrap_or_else(|e| e.exit());
    let result = match args.hidden {
        Some(Hidden::Check) => std::env::current_exe()
            .map_err(Into::into)
            .and_then(|exe| check(&exe)),
        Some(Hidden::Child { group, role }) => find_group(&group).and_then(|g| g.child(&role)),
        None => run(args),
    };
    if let Err(e) = result {
        eprintln!("error: bench: {e}");
        std::process::exit(1);
    }
}
