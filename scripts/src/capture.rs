//! `capture` (scripts/capture.sh): runs each program and its twin once and writes what
//! each printed into book/src/output/ for the book to include; the book's tests
//! (book/tests/captured.rs) fail when a program no longer prints what was captured.

use std::path::Path;
use std::process::ExitCode;

use testkit::programs::Registry;
use testkit::twin::normalise;

use crate::python::{self, Python};
use crate::runner::{self, Kind};
use crate::{die, relative, select};

const USAGE: &str = "\
Usage: scripts/capture.sh [--interpreter PYTHON]... [--all-interpreters] [PROGRAM...]

Runs every program (or the PROGRAMs named) and its Python twin once and writes what
each printed (stdout and stderr, as a terminal shows them) into book/src/output/:
PROGRAM.rust.txt, and PROGRAM.python.txt from the first interpreter (python3 unless
--interpreter names another). Each further interpreter's run is written to
PROGRAM.python-VERSION.txt (e.g. lock-deadlock.python-3.14t.txt) where its lines
differ from the first's, numbers aside; where they do not, no such file is kept.
The first line of each file is the command, `$ ...`; paths are made relative to
the workspace. The time limit per run is $CAPTURE_TIMEOUT or 120 s.

Options:
  --interpreter PYTHON  run the twins on PYTHON too (repeatable; the first is the main one)
  --all-interpreters    python3 and every interpreter scripts/python.sh --print names
  -h, --help            print this help and exit
";

pub fn main(registry: impl FnOnce() -> Registry, args: &[String]) -> ExitCode {
    let mut interpreters: Vec<String> = Vec::new();
    let mut all = false;
    let mut names = Vec::new();
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "-h" | "--help" => {
                print!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            "--all-interpreters" => all = true,
            "--interpreter" => {
                interpreters.push(
                    runner::value(args, &mut i, "--interpreter needs a Python command or path")
                        .into(),
                );
            }
            a if a.starts_with('-') => die(&format!("unknown option '{a}' (see --help)")),
            name => names.push(name.to_string()),
        }
        i += 1;
    }
    let registry = registry();
    let selected = select(&registry, &names, "see scripts/run_all.sh --list");
    if interpreters.is_empty() {
        interpreters.push(std::env::var("PYTHON").unwrap_or_else(|_| "python3".into()));
    }
    if all {
        match python::built(&registry.root) {
            Ok(built) => interpreters.extend(built),
            Err(why) => println!("note: {why}"),
        }
    }
    let mut pythons: Vec<Python> = Vec::new();
    for command in &interpreters {
        if !pythons.iter().any(|p| &p.command == command) {
            pythons.push(Python::probe(command));
        }
    }
    let limit: u64 = std::env::var("CAPTURE_TIMEOUT")
        .ok()
        .and_then(|t| t.parse().ok())
        .unwrap_or(120);
    runner::catch_signals();
    if !runner::build(&registry, &selected, &[], true) {
        eprintln!("error: the build failed");
        return ExitCode::FAILURE;
    }
    let bin_dir = registry.target_dir.join("debug");
    let out_dir = registry.root.join("book/src/output");
    let _ = std::fs::create_dir_all(&out_dir);
    // What a run printed, with this machine's paths made workspace-relative.
    let stable = |text: &str| {
        let root = registry.root.to_string_lossy();
        text.replace(&*bin_dir.to_string_lossy(), "target/debug")
            .replace(&format!("{root}/"), "")
            .replace(&*root, ".")
    };
    let mut failed = false;
    for program in selected {
        let args = if program.args.is_empty() {
            String::new()
        } else {
            format!(" {}", program.args.join(" "))
        };
        let mut command = format!("cargo run -p {}", program.package);
        if program.name != program.package {
            command += &format!(" --bin {}", program.name);
        }
        if !program.args.is_empty() {
            command += &format!(" --{args}");
        }
        let Some(cmd) = runner::rust_command(program, &bin_dir) else {
            eprintln!("error: {} was not built; nothing captured", program.name);
            failed = true;
            continue;
        };
        let ran = runner::run(cmd, &registry.root, limit, false);
        if ran.kind == Kind::Failed {
            eprintln!("error: {} {}; nothing captured", program.name, ran.result);
            failed = true;
            continue;
        }
        write(
            &out_dir.join(format!("{}.rust.txt", program.name)),
            &command,
            &stable(&ran.output),
        );
        println!("captured {}", program.name);

        let mut first: Option<(String, Vec<String>)> = None;
        for (n, python) in pythons.iter_mut().enumerate() {
            if let Some(why) = runner::needs_missing(program).or_else(|| python.missing(program)) {
                eprintln!(
                    "{}: the twin of {} cannot run on {} ({why}); nothing captured",
                    if n == 0 { "error" } else { "note" },
                    program.name,
                    python.label()
                );
                failed |= n == 0;
                continue;
            }
            let twin = relative(
                &registry,
                program.twin.as_ref().expect("checked by missing"),
            );
            let (cmd, dir) = runner::twin_command(program, python);
            let ran = runner::run(cmd, &dir, limit, false);
            if ran.kind == Kind::Failed {
                eprintln!(
                    "error: {twin} on {} {}; nothing captured",
                    python.label(),
                    ran.result
                );
                failed = true;
                continue;
            }
            let output = stable(&ran.output);
            let mut lines = normalise(&output);
            lines.sort();
            let version = python.version.clone().unwrap_or_default();
            match &first {
                None => {
                    let line = format!("python3 {twin}{args}");
                    write(
                        &out_dir.join(format!("{}.python.txt", program.name)),
                        &line,
                        &output,
                    );
                    println!("captured {twin} on {}", python.label());
                    first = Some((python.label(), lines));
                }
                Some((label, first_lines)) => {
                    let file = out_dir.join(format!("{}.python-{version}.txt", program.name));
                    if *first_lines == lines {
                        let _ = std::fs::remove_file(&file);
                        println!(
                            "{twin} on {} prints what it prints on {label}: no file of its own",
                            python.label()
                        );
                    } else {
                        write(&file, &format!("{} {twin}{args}", python.name), &output);
                        println!(
                            "captured {twin} on {} (its lines differ from {label}'s)",
                            python.label()
                        );
                    }
                }
            }
        }
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// Writes `$ COMMAND`, then `output`, to `file`.
fn write(file: &Path, command: &str, output: &str) {
    std::fs::write(file, format!("$ {command}\n{output}"))
        .unwrap_or_else(|e| die(&format!("cannot write {}: {e}", file.display())));
}
