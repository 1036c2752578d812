//! `programs`: the workspace's programs as the registry describes them (each demo crate's
//! `[[package.metadata.programs]]`, see testkit/src/programs.rs), and running them.
//! scripts/run_all.sh, compare.sh and capture.sh call it; copy_check.sh and mutants.sh read
//! `programs list --tsv`.
//!
//!   programs [--workspace DIR] list [--tsv]
//!   programs [--workspace DIR] target-dir                        (where cargo builds)
//!   programs [--workspace DIR] run-all [OPTIONS] [PROGRAM...]    (scripts/run_all.sh)
//!   programs [--workspace DIR] compare [OPTIONS] PROGRAM         (scripts/compare.sh)
//!   programs [--workspace DIR] capture [OPTIONS] [PROGRAM...]    (scripts/capture.sh)

mod capture;
mod compare;
mod python;
mod run_all;
mod runner;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use testkit::programs::{self, Program, Registry};

/// A usage error: says so on stderr and exits 2.
fn die(message: &str) -> ! {
    eprintln!("error: {message}");
    std::process::exit(2)
}

fn main() -> ExitCode {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut root = programs::workspace_root();
    if args.first().is_some_and(|a| a == "--workspace") {
        let Some(dir) = args.get(1) else {
            die("--workspace needs a directory")
        };
        root = PathBuf::from(dir);
        args.drain(..2);
    }
    let Some(command) = args.first().cloned() else {
        die("name a command: list, run-all, compare or capture")
    };
    let rest = &args[1..];
    let registry = || programs::load(&root).unwrap_or_else(|e| die(&e));
    match command.as_str() {
        "list" => list(&registry(), rest),
        "target-dir" => {
            println!("{}", registry().target_dir.display());
            ExitCode::SUCCESS
        }
        "run-all" => run_all::main(registry, rest),
        "compare" => compare::main(registry, rest),
        "capture" => capture::main(registry, rest),
        other => die(&format!("unknown command '{other}'")),
    }
}

/// `list`: the programs' names in order; `--tsv`: NAME, PACKAGE, crate DIR, SOURCE, TWIN
/// (`-` for none) and ARGS, tab-separated, paths relative to the root.
fn list(registry: &Registry, args: &[String]) -> ExitCode {
    let tsv = match args {
        [] => false,
        [flag] if flag == "--tsv" => true,
        _ => die("list takes only --tsv"),
    };
    let mut out = std::io::stdout().lock();
    for p in &registry.programs {
        let line = if tsv {
            let twin = p
                .twin
                .as_ref()
                .map_or("-".into(), |t| relative(registry, t));
            format!(
                "{}\t{}\t{}\t{}\t{}\t{}",
                p.name,
                p.package,
                relative(registry, &p.dir),
                relative(registry, &p.source),
                twin,
                p.args.join(" ")
            )
        } else {
            p.name.clone()
        };
        // A reader that stopped reading (`| head`) ends the list quietly.
        if writeln!(out, "{line}").is_err() {
            break;
        }
    }
    ExitCode::SUCCESS
}

/// `path` relative to the workspace's root, where it is inside it.
fn relative(registry: &Registry, path: &std::path::Path) -> String {
    let root = registry
        .root
        .canonicalize()
        .unwrap_or(registry.root.clone());
    path.strip_prefix(&root)
        .or_else(|_| path.strip_prefix(&registry.root))
        .unwrap_or(path)
        .to_string_lossy()
        .into_owned()
}

/// The programs named, in the registry's order (all of them when none is named); an
/// unknown name is a usage error that points at `hint`.
fn select<'a>(registry: &'a Registry, names: &[String], hint: &str) -> Vec<&'a Program> {
    for name in names {
        if registry.get(name).is_none() {
            die(&format!("no program named '{name}' ({hint})"));
        }
    }
    (registry.programs.iter())
        .filter(|p| names.is_empty() || names.contains(&p.name))
        .collect()
}
