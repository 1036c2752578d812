//! bench: the CPU-bound and I/O-bound claims of the examples, measured on this machine, Rust
//! beside the Python originals (bench/python/*.py run as child processes) in one run.
//!
//! Groups: cpu (primes, Leibniz pi, binary search: sequential, threads, processes, pool,
//! rayon), io (N concurrent waits: tokio, OS threads, asyncio, Python threads), spawn (cost of
//! a start), ipc (pipes, channels, queues), locks (Mutex, atomics, threading.Lock).
//!
//! Run with: cargo run -p bench --release -- [GROUP...] [--quick] [--out DIR]
//!
//! ```text
//! ### cpu: time per run; speedup = sequential / this, same side
//! | workload | variant | workers | Rust | Rust speedup | Python | Python speedup | Rust faster by |
//! ...
//! ### targets (BENCH.md)
//! ...
//! ```

mod charts;
mod cpu;
mod io;
mod ipc;
mod locks;
mod model;
mod py;
mod report;
mod spawn;
mod stats;
mod work;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use model::{Cfg, Mode, Row};
use serde_json::{Value, json};
use stats::{Res, Runs};
use std::path::PathBuf;
use std::sync::Arc;

const GROUPS: [&str; 5] = ["cpu", "io", "spawn", "ipc", "locks"];

const USAGE: &str = "\
usage: bench [GROUP...] [--quick | --smoke] [--out DIR]
  GROUP      cpu, io, spawn, ipc, locks (default: all of them)
  --quick    smaller sizes: the whole suite in under a minute on 2 cores
  --smoke    tiny sizes, one run each: checks that everything works in seconds
             (its figures mean nothing)
  --out DIR  also write DIR/results.json, DIR/results.md and SVG charts
Build with --release: a debug build measures the debug build.
The table goes to stdout, progress to stderr. Python columns need python3 on the PATH
(or BENCH_PYTHON=/path/to/python); without it they say n/a.";

struct Args {
    groups: Vec<String>,
    mode: Mode,
    out: Option<PathBuf>,
}

fn parse(args: &[String]) -> Res<Option<Args>> {
    let mut parsed = Args {
        groups: Vec::new(),
        mode: Mode::Full,
        out: None,
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "-h" | "--help" => return Ok(None),
            "--quick" => parsed.mode = Mode::Quick,
            "--smoke" => parsed.mode = Mode::Smoke,
            "--out" => {
                let dir = it.next().ok_or("--out needs a directory")?;
                parsed.out = Some(PathBuf::from(dir));
            }
            g if GROUPS.contains(&g) => {
                if !parsed.groups.iter().any(|x| x == g) {
                    parsed.groups.push(g.to_string());
                }
            }
            other => return Err(format!("unknown argument {other:?} (try --help)").into()),
        }
    }
    if parsed.groups.is_empty() {
        parsed.groups = GROUPS.iter().map(|g| g.to_string()).collect();
    }
    Ok(Some(parsed))
}

fn run(args: Args) -> Res<()> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let runs = match args.mode {
        Mode::Smoke => Runs {
            warmup: 0,
            repeats: 1,
        },
        _ => Runs {
            warmup: 1,
            repeats: 5,
        },
    };
    let cfg = Cfg {
        mode: args.mode,
        runs,
        cores,
        exe: std::env::current_exe()?,
        python: py::Python::find(),
        progress: ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr()),
    };
    let planned: u64 = args
        .groups
        .iter()
        .map(|g| match g.as_str() {
            "cpu" => cpu::planned(&cfg),
            "io" => io::planned(&cfg),
            "spawn" => spawn::planned(&cfg),
            "ipc" => ipc::planned(&cfg),
            _ => locks::planned(&cfg),
        })
        .sum();
    cfg.progress.set_length(planned);
    cfg.progress.set_style(ProgressStyle::with_template(
        "{bar:30} {pos}/{len} {elapsed_precise} {msg}",
    )?);
    cfg.progress
        .enable_steady_tick(std::time::Duration::from_millis(250));
    let env = report::Env::collect(&cfg);
    let mut rows: Vec<Row> = Vec::new();
    for g in &args.groups {
        let mut more = match g.as_str() {
            "cpu" => cpu::run(&cfg)?,
            "io" => io::run(&cfg)?,
            "spawn" => spawn::run(&cfg)?,
            "ipc" => ipc::run(&cfg)?,
            _ => locks::run(&cfg)?,
        };
        rows.append(&mut more);
    }
    cfg.progress.finish_and_clear();
    let targets = report::targets(&rows, cores, cfg.mode);
    let text = format!(
        "{}{}",
        report::markdown(&rows, &env),
        report::targets_markdown(&targets)
    );
    println!("{text}");
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
        if args.groups.iter().any(|g| g == "cpu") {
            charts::cpu(&rows, cores, &dir.join("cpu_speedup.svg"))?;
        }
        if args.groups.iter().any(|g| g == "io") {
            charts::io(&rows, false, &dir.join("io_wall.svg"))?;
            charts::io(&rows, true, &dir.join("io_memory.svg"))?;
        }
        eprintln!(
            "wrote results.json, results.md and charts to {}",
            dir.display()
        );
    }
    Ok(())
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
        let job = Arc::new(work::Job::new(kind, 20_000, 8));
        for variant in cpu::Variant::ALL {
            let rust = cpu::answer(&job, variant, 2)?;
            let py = variant.python().unwrap_or("sequential");
            let args = cpu::python_args(&job, py, 2, (0, 1));
            add(
                format!("cpu {} {}", kind.name(), variant.name()),
                "cpu.py",
                args,
                rust,
            );
        }
    }
    for (rust, py) in io::PAIRS {
        let out = io::child(&exe, rust, 50, 5)?;
        add(
            format!("io {rust}"),
            "io.py",
            vec![py.into(), "50".into(), "5".into()],
            out["answer"].clone(),
        );
    }
    // "PORT" in the Python arguments stands for a server the replaying side starts itself.
    let server = io::Server::start(&exe, 1)?;
    for (rust, py) in io::HTTP_PAIRS {
        let out = io::child(&exe, rust, 20, u64::from(server.port))?;
        let args = vec![py.into(), "20".into(), "PORT".into()];
        add(format!("io {rust}"), "io.py", args, out["answer"].clone());
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
        add(format!("ipc {kind:?}"), "ipc.py", args, json!(rust));
    }
    for atomic in [false, true] {
        let rust = locks::increments(atomic, 1000, 2)?;
        let args = vec!["1000".into(), "2".into(), "0".into(), "1".into()];
        add(
            format!("locks atomic={atomic}"),
            "locks.py",
            args,
            json!(rust),
        );
    }
    #[cfg(unix)]
    add(
        "spawn fork".into(),
        "spawn.py",
        vec!["fork".into(), "3".into(), "0".into(), "1".into()],
        json!(spawn::fork_wait(3)?),
    );
    println!("{}", json!({ "checks": checks }));
    Ok(())
}

fn dispatch(args: &[String]) -> Res<()> {
    match args.first().map(String::as_str) {
        Some("check") => check(),
        Some("__io") => io::role(&args[1..]),
        Some("__http-server") => io::server_role(&args[1..]),
        Some("__noop") => Ok(()),
        Some("__fork-wait") => spawn::fork_wait_role(&args[1..]),
        Some("__pipe-writer") => ipc::pipe_writer(&args[1..]),
        Some("__echo") => ipc::echo(),
        _ => match parse(args)? {
            Some(parsed) => run(parsed),
            None => {
                println!("{USAGE}");
                Ok(())
            }
        },
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Err(e) = dispatch(&args) {
        eprintln!("error: bench: {e}");
        std::process::exit(1);
    }
}
