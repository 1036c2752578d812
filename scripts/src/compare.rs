//! `compare` (scripts/compare.sh): one program and its twin, run one after the other with
//! the same arguments, their outputs side by side with each side's wall and CPU time.

use std::io::IsTerminal;
use std::process::{Command, ExitCode};
use std::time::Instant;

use nix::sys::resource::{UsageWho, getrusage};
use testkit::programs::Registry;

use crate::python::Python;
use crate::runner::{self, Kind, Ran, RunOptions};
use crate::{die, relative, select};

const USAGE: &str = "\
Usage: scripts/compare.sh [--debug | --no-build | --bin-dir DIR] [--interpreter PYTHON]
                          [--timeout SECONDS] PROGRAM

Runs PROGRAM (see scripts/run_all.sh --list), then its Python twin, each under a
time limit and with the same arguments, and prints their output (stdout and stderr)
side by side: Rust on the left, Python on the right, line by line.

The Rust side is a release build (cargo build --release), so that its times are
the optimised program's. Each side's wall time is measured around its run; its
CPU time (user + system) is that of the process and every child it waited for. The last
line says whether both sides did the same work: where a twin does less (pure Python
is slower), it says what differs.

Options:
  --debug               compare the debug build instead (cargo build)
  --no-build            use the release binary already built in the target directory
  --bin-dir DIR         run the binary in DIR instead of building
  --interpreter PYTHON  run the twin on PYTHON (default: $PYTHON or python3)
  --timeout SECONDS     time limit per side (default: $RUN_ALL_TIMEOUT or 60)
  -h, --help            print this help and exit

Environment: COLUMNS, the width to print in (default: the terminal's, else 160).
Exit status: 0 if both sides ran and exited 0, 1 if either failed or the twin
cannot run here, 2 for bad arguments, 128 + N when stopped by signal N.
";

pub fn main(registry: impl FnOnce() -> Registry, args: &[String]) -> ExitCode {
    let mut options = RunOptions::new();
    let mut debug = false;
    let mut interpreter = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
    let mut program: Option<String> = None;
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "-h" | "--help" => {
                print!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            "--debug" => debug = true,
            "--interpreter" => {
                interpreter =
                    runner::value(args, &mut i, "--interpreter needs a Python command or path")
                        .into();
            }
            _ if options.take(args, &mut i) => {}
            a if a.starts_with('-') => die(&format!("unknown option '{a}' (see --help)")),
            name => {
                if let Some(first) = &program {
                    die(&format!(
                        "one program at a time, not '{first}' and '{name}'"
                    ));
                }
                program = Some(name.to_string());
            }
        }
        i += 1;
    }
    let Some(name) = program else {
        die("name a program to compare (see scripts/run_all.sh --list)")
    };
    let registry = registry();
    let program = select(&registry, &[name], "see scripts/run_all.sh --list")[0];
    let mut python = Python::probe(&interpreter);
    if let Some(why) = runner::needs_missing(program).or_else(|| python.missing(program)) {
        let twin = program
            .twin
            .as_ref()
            .map_or("its twin".into(), |t| relative(&registry, t));
        eprintln!("error: cannot run the twin {twin}: {why}");
        return ExitCode::FAILURE;
    }
    runner::catch_signals();
    let profile = if debug { "debug" } else { "release" };
    if options.build {
        let flags: &[&str] = if debug { &[] } else { &["--release"] };
        if !runner::build(&registry, &[program], flags, true) {
            eprintln!("error: the build failed");
            return ExitCode::FAILURE;
        }
    }
    let (bin_dir, build) = match &options.bin_dir {
        Some(dir) => (dir.clone(), format!("binary from {}", dir.display())),
        None => (
            registry.target_dir.join(profile),
            format!("{profile} build"),
        ),
    };
    let Some(rust_cmd) = runner::rust_command(program, &bin_dir) else {
        eprintln!(
            "error: {} not found (run without --no-build)",
            bin_dir.join(&program.name).display()
        );
        return ExitCode::FAILURE;
    };
    let twin = relative(&registry, program.twin.as_ref().expect("checked above"));
    let args = program.args.join(" ");
    let space = if args.is_empty() { "" } else { " " };
    println!(
        "running {}{space}{args} ({build}), then {} {twin}{space}{args}...",
        program.name,
        python.label()
    );
    let rust = measure(rust_cmd, &registry.root, options.limit);
    let (cmd, dir) = runner::twin_command(program, &python);
    let py = measure(cmd, &dir, options.limit);

    let width = columns();
    let w = (width - 3) / 2;
    let row = |l: &str, r: &str| {
        let (l, r): (Vec<char>, Vec<char>) = (l.chars().collect(), r.chars().collect());
        let mut at = 0;
        loop {
            let part = |s: &[char]| s.iter().skip(at).take(w).collect::<String>();
            println!("{:<w$} | {}", part(&l), part(&r));
            at += w;
            if at >= l.len() && at >= r.len() {
                break;
            }
        }
    };
    let rule = "-".repeat(w);
    row(
        &format!("Rust: {} ({build})", program.name),
        &format!("Python: {twin} ({})", python.label()),
    );
    row(&rule, &rule);
    let (left, right): (Vec<&str>, Vec<&str>) = (
        rust.0.output.lines().collect(),
        py.0.output.lines().collect(),
    );
    for n in 0..left.len().max(right.len()) {
        row(left.get(n).unwrap_or(&""), right.get(n).unwrap_or(&""));
    }
    row(&rule, &rule);
    let foot = |(ran, wall, cpu): &(Ran, f64, f64)| {
        format!("{}, wall {wall:.2} s, CPU {cpu:.2} s", ran.result)
    };
    row(&foot(&rust), &foot(&py));
    match &program.differs {
        Some(what) => println!("not the same work, so the times do not compare: {what}"),
        None => println!(
            "same arguments on both sides, the Rust side a {build}; the registry notes no \
             difference in their work"
        ),
    }
    if rust.0.kind == Kind::Failed || py.0.kind == Kind::Failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// Runs `cmd` quietly in `dir`: how it ended, its wall seconds and its CPU seconds (user +
/// system of it and the children it reaped, which the runner reaps in turn).
fn measure(cmd: Command, dir: &std::path::Path, limit: u64) -> (Ran, f64, f64) {
    let cpu = || {
        getrusage(UsageWho::RUSAGE_CHILDREN).map_or(0.0, |u| {
            let (user, system) = (u.user_time(), u.system_time());
            user.tv_sec() as f64
                + user.tv_usec() as f64 / 1e6
                + system.tv_sec() as f64
                + system.tv_usec() as f64 / 1e6
        })
    };
    let (before, start) = (cpu(), Instant::now());
    let ran = runner::run(cmd, dir, limit, false);
    let wall = start.elapsed().as_secs_f64();
    (ran, wall, cpu() - before)
}

/// The width to print in: $COLUMNS, else the terminal's, else 160; at least 40.
fn columns() -> usize {
    let from_env = std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok());
    let from_terminal = || {
        if !std::io::stdout().is_terminal() {
            return None;
        }
        let out = Command::new("tput").arg("cols").output().ok()?;
        String::from_utf8_lossy(&out.stdout).trim().parse().ok()
    };
    from_env.or_else(from_terminal).unwrap_or(160).max(40)
}
