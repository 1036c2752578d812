//! `run-all` (scripts/run_all.sh): every program in order, each under a time limit, with
//! `--python` each followed by its twin on every interpreter asked for, then a summary.

use std::process::ExitCode;

use testkit::programs::Registry;

use crate::python::{self, Python};
use crate::runner::{self, Kind, Ran, RunOptions};
use crate::{die, relative, select};

const USAGE: &str = "\
Usage: scripts/run_all.sh [--list] [--python] [--interpreter PYTHON]... [--all-interpreters]
                          [--no-build | --bin-dir DIR] [--timeout SECONDS] [PROGRAM...]

Builds the programs once, then runs each program (or only the PROGRAMs named) in
tutorial order, each under a time limit, and prints a summary table.
The programs and their order are the registry's: each demo crate's Cargo.toml lists
its programs in [[package.metadata.programs]] tables (see testkit/src/programs.rs),
with the arguments of their default run and what they need.
A program that exits non-zero or runs past its limit counts as failed; one past
its limit is killed together with every process it started. One whose first line
is 'skipped: REASON' and that exits 0, or that needs a command not on PATH, shows
as skipped.

Options:
  --list                  print the programs, in order, and exit
  --python                after each program, run its Python twin the same way; the
                          summary gains a Python column
  --interpreter PYTHON    run the twins on PYTHON (a command or a path); repeat it for
                          several, one column each (implies --python; default: python3)
  --all-interpreters      run the twins on python3 and on every interpreter that
                          scripts/python.sh --print names (3.14, 3.14t), one column each
  --no-build              use the debug binaries already built in the target directory
  --bin-dir DIR           run the binaries in DIR instead of building (e.g. target/release)
  --timeout SECONDS       time limit per run (default: $RUN_ALL_TIMEOUT or 60)
  -h, --help              print this help and exit

Environment: PYTHON, the Python to run twins with when no --interpreter is given
(default: python3).
Exit status: 0 if every run passed or was skipped, 1 if any failed, 2 for bad
arguments, 128 + N when stopped by signal N (Ctrl-C: 130).
";

pub fn main(registry: impl FnOnce() -> Registry, args: &[String]) -> ExitCode {
    let mut options = RunOptions::new();
    let (mut list, mut with_python, mut all) = (false, false, false);
    let mut interpreters: Vec<String> = Vec::new();
    let mut names = Vec::new();
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "-h" | "--help" => {
                print!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            "--list" => list = true,
            "--python" => with_python = true,
            "--all-interpreters" => all = true,
            "--interpreter" => {
                interpreters.push(
                    runner::value(args, &mut i, "--interpreter needs a Python command or path")
                        .into(),
                );
            }
            _ if options.take(args, &mut i) => {}
            a if a.starts_with('-') => die(&format!("unknown option '{a}' (see --help)")),
            name => names.push(name.to_string()),
        }
        i += 1;
    }
    let registry = registry();
    if list {
        for p in &registry.programs {
            println!("{}", p.name);
        }
        return ExitCode::SUCCESS;
    }
    let to_run = select(&registry, &names, "see --list");

    with_python |= all || !interpreters.is_empty();
    let mut pythons: Vec<Python> = Vec::new();
    if with_python {
        if interpreters.is_empty() {
            interpreters.push(std::env::var("PYTHON").unwrap_or_else(|_| "python3".into()));
        }
        if all {
            match python::built(&registry.root) {
                Ok(built) if !built.is_empty() => interpreters.extend(built),
                Ok(_) => println!(
                    "note: scripts/python.sh has built no interpreter yet (run scripts/python.sh \
                     to build 3.14 and 3.14t): twins run on {} only",
                    interpreters.join(", ")
                ),
                Err(why) => println!("note: {why}: twins run on {} only", interpreters.join(", ")),
            }
        }
        for command in &interpreters {
            if !pythons.iter().any(|p: &Python| &p.command == command) {
                pythons.push(Python::probe(command));
            }
        }
    }
    runner::catch_signals();

    if options.build && !runner::build(&registry, &to_run, &[], false) {
        eprintln!("error: the build failed");
        return ExitCode::FAILURE;
    }
    let bin_dir = options
        .bin_dir
        .clone()
        .unwrap_or_else(|| registry.target_dir.join("debug"));

    // One row per program: its result, then one per interpreter.
    let mut rows: Vec<Vec<Ran>> = Vec::new();
    for program in &to_run {
        let args = if program.args.is_empty() {
            String::new()
        } else {
            format!(" {}", program.args.join(" "))
        };
        println!(
            "\n==================== {}{args} ====================",
            program.name
        );
        let needs = runner::needs_missing(program);
        let rust = match (&needs, runner::rust_command(program, &bin_dir)) {
            (Some(why), _) => Ran::skipped(why),
            (None, Some(cmd)) => runner::run(cmd, &registry.root, options.limit, true),
            (None, None) => {
                eprintln!(
                    "error: {} not found (run without --no-build)",
                    bin_dir.join(&program.name).display()
                );
                Ran::failed("not built")
            }
        };
        let mut row = vec![rust];
        for python in &mut pythons {
            let missing = needs.clone().or_else(|| python.missing(program));
            if let Some(why) = missing {
                row.push(Ran::skipped(&why));
                continue;
            }
            let twin = relative(
                &registry,
                program.twin.as_ref().expect("checked by missing"),
            );
            println!(
                "\n-------------------- {}: {} {twin}{args} --------------------",
                program.name, python.name
            );
            let (cmd, dir) = runner::twin_command(program, python);
            row.push(runner::run(cmd, &dir, options.limit, true));
        }
        rows.push(row);
    }

    println!("\n==================== summary ====================");
    let mut header = format!("{:<24} {:<28} {:>8}", "program", "result", "seconds");
    for python in &pythons {
        header += &format!("   {:<28} {:>8}", python.label(), "seconds");
    }
    println!("{header}");
    for (program, row) in to_run.iter().zip(&rows) {
        let mut line = format!("{:<24}", program.name);
        for (n, ran) in row.iter().enumerate() {
            let seconds = if ran.kind == Kind::Skipped && ran.seconds == 0.0 {
                "-".to_string()
            } else {
                format!("{:.1}", ran.seconds)
            };
            let gap = if n == 0 { " " } else { "   " };
            line += &format!("{gap}{:<28} {seconds:>8}", ran.result);
        }
        println!("{line}");
    }
    let count = |column: usize| {
        let of = |kind| rows.iter().filter(|r| r[column].kind == kind).count();
        (of(Kind::Ok), of(Kind::Skipped), of(Kind::Failed))
    };
    let (ok, skipped, failed) = count(0);
    println!(
        "{} programs: {ok} ok, {skipped} skipped, {failed} failed",
        to_run.len()
    );
    let mut any_failed = failed > 0;
    for (n, python) in pythons.iter().enumerate() {
        let (ok, skipped, failed) = count(n + 1);
        println!(
            "{} Python twins on {}: {ok} ok, {skipped} skipped, {failed} failed",
            to_run.len(),
            python.label()
        );
        any_failed |= failed > 0;
    }
    if any_failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
