//! What run-all, compare and capture share: their options for which binaries run and for
//! how long, building them, stopping on INT/TERM/HUP, and one run of a program or twin on
//! testkit's runner (a process group of its own, stopped whole at its time limit).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicI32, Ordering};
use std::time::{Duration, Instant};

use nix::sys::signal::{SaFlags, SigAction, SigHandler, SigSet, Signal, sigaction};
use testkit::group::{self, Limits, Output};
use testkit::programs::{Program, Registry};

use crate::die;
use crate::python::Python;

/// The signal that arrived, or 0.
static SIGNAL: AtomicI32 = AtomicI32::new(0);

extern "C" fn on_signal(signal: i32) {
    // Only an atomic store: nothing else is safe in a signal handler.
    SIGNAL.store(signal, Ordering::SeqCst);
}

/// From now on INT, TERM and HUP stop the run under way (see [`check_signal`]).
pub fn catch_signals() {
    let action = SigAction::new(
        SigHandler::Handler(on_signal),
        SaFlags::empty(),
        SigSet::empty(),
    );
    for signal in [Signal::SIGINT, Signal::SIGTERM, Signal::SIGHUP] {
        // SAFETY: the handler only stores into an atomic, which is async-signal-safe.
        let _ = unsafe { sigaction(signal, &action) };
    }
}

fn interrupted() -> bool {
    SIGNAL.load(Ordering::SeqCst) != 0
}

/// After a signal: says so and exits with 128 + its number, as a shell does. Whatever
/// was running has been stopped by then.
pub fn check_signal() {
    let signal = SIGNAL.load(Ordering::SeqCst);
    if signal != 0 {
        let name = Signal::try_from(signal).map_or("?", |s| s.as_str());
        eprintln!("\ninterrupted ({name}): stopping");
        std::process::exit(128 + signal);
    }
}

/// --no-build, --bin-dir DIR and --timeout SECONDS.
pub struct RunOptions {
    pub build: bool,
    pub bin_dir: Option<PathBuf>,
    pub limit: u64,
}

impl RunOptions {
    /// Defaults: build, the target directory's binaries, $RUN_ALL_TIMEOUT or 60 s.
    pub fn new() -> Self {
        let limit = std::env::var("RUN_ALL_TIMEOUT").unwrap_or_else(|_| "60".into());
        RunOptions {
            build: true,
            bin_dir: None,
            limit: parse_limit(&limit),
        }
    }

    /// Takes the option at `args[*i]` if it is one of these, moving `i` past its value.
    pub fn take(&mut self, args: &[String], i: &mut usize) -> bool {
        match args[*i].as_str() {
            "--no-build" => self.build = false,
            "--bin-dir" => {
                let dir = value(args, i, "--bin-dir needs a directory");
                let path = Path::new(dir);
                if !path.is_dir() {
                    die(&format!("--bin-dir: '{dir}' is not a directory"));
                }
                self.bin_dir = Some(path.canonicalize().unwrap_or(path.to_path_buf()));
                self.build = false;
            }
            "--timeout" => {
                self.limit = parse_limit(value(args, i, "--timeout needs a number of seconds"))
            }
            _ => return false,
        }
        true
    }
}

/// The value after the option at `args[*i]`, moving `i` onto it.
pub fn value<'a>(args: &'a [String], i: &mut usize, missing: &str) -> &'a str {
    *i += 1;
    args.get(*i).map_or_else(|| die(missing), String::as_str)
}

fn parse_limit(text: &str) -> u64 {
    match text.parse::<u64>() {
        Ok(n) if n > 0 && text.bytes().all(|b| b.is_ascii_digit()) => n,
        _ => die(&format!(
            "the time limit must be a whole number of seconds above 0, not '{text}'"
        )),
    }
}

/// Builds the binaries of `programs` (`cargo build --bins`, plus `extra` flags), showing
/// cargo's output; false when the build failed.
pub fn build(registry: &Registry, programs: &[&Program], extra: &[&str], quiet: bool) -> bool {
    let mut packages: Vec<&str> = Vec::new();
    for p in programs {
        if !packages.contains(&p.package.as_str()) {
            packages.push(&p.package);
        }
    }
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.arg("build").args(extra).arg("--bins");
    if quiet {
        cmd.arg("--quiet");
    }
    for package in &packages {
        cmd.args(["-p", package]);
    }
    cmd.arg("--manifest-path")
        .arg(registry.root.join("Cargo.toml"));
    if !quiet {
        let flags: Vec<String> = packages.iter().map(|p| format!("-p {p}")).collect();
        println!(
            "==> cargo build {}--bins {}",
            extra.iter().map(|e| format!("{e} ")).collect::<String>(),
            flags.join(" ")
        );
    }
    let limits = Limits {
        limit: Duration::from_secs(3600),
        output: Output::Show,
        own_group: true,
        interrupted: &interrupted,
        ..Limits::default()
    };
    let run = group::run(cmd, &limits).unwrap_or_else(|e| die(&format!("cannot run cargo: {e}")));
    check_signal();
    run.status.is_some_and(|s| s.success())
}

/// How one run ended.
pub struct Ran {
    /// `ok`, `skipped (REASON)` or `failed (...)`.
    pub result: String,
    pub kind: Kind,
    pub seconds: f64,
    /// What it printed (all of it in quiet mode; stdout alone when shown).
    pub output: String,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    Ok,
    Skipped,
    Failed,
}

impl Ran {
    pub fn skipped(why: &str) -> Ran {
        Ran {
            result: format!("skipped ({why})"),
            kind: Kind::Skipped,
            seconds: 0.0,
            output: String::new(),
        }
    }

    pub fn failed(why: &str) -> Ran {
        Ran {
            result: format!("failed ({why})"),
            kind: Kind::Failed,
            seconds: 0.0,
            output: String::new(),
        }
    }
}

/// Runs `cmd` in directory `dir`, stdin empty, for at most `limit` seconds, in a process
/// group of its own: past its limit it gets TERM, then KILL 3 s later, with every process
/// in its group; once it exits, whatever it left running in its group is killed too.
/// `show`: its stdout is shown as it comes (and kept) and its stderr shown; else both are
/// kept, in the order written, and nothing is shown. A run whose first line is
/// `skipped: REASON` and that exits 0 counts as skipped.
pub fn run(mut cmd: Command, dir: &Path, limit: u64, show: bool) -> Ran {
    cmd.current_dir(dir);
    let limits = Limits {
        limit: Duration::from_secs(limit),
        grace: Duration::from_secs(3),
        output: if show { Output::Show } else { Output::Merged },
        own_group: true,
        kill_leftovers: true,
        drain: Some(Duration::from_secs(2)),
        interrupted: &interrupted,
        ..Limits::default()
    };
    let start = Instant::now();
    let ran = group::run(cmd, &limits);
    check_signal();
    let seconds = start.elapsed().as_secs_f64();
    let ran = match ran {
        Ok(ran) => ran,
        Err(e) => {
            return Ran {
                seconds,
                ..Ran::failed(&format!("cannot start: {e}"))
            };
        }
    };
    let output = String::from_utf8_lossy(&ran.stdout).into_owned();
    let first = output.lines().next().unwrap_or("");
    let code = ran.status.and_then(|s| s.code());
    let (kind, result) = if ran.timed_out {
        (Kind::Failed, format!("failed (over {limit}s, killed)"))
    } else if code != Some(0) {
        let why = match code {
            Some(code) => format!("exit {code}"),
            None => {
                let signal = ran
                    .status
                    .and_then(|s| std::os::unix::process::ExitStatusExt::signal(&s));
                format!("signal {}", signal.unwrap_or(0))
            }
        };
        (Kind::Failed, format!("failed ({why})"))
    } else if let Some(why) = first.strip_prefix("skipped: ") {
        (Kind::Skipped, format!("skipped ({why})"))
    } else {
        (Kind::Ok, "ok".into())
    };
    Ran {
        result,
        kind,
        seconds,
        output,
    }
}

/// The command that runs `program`'s binary from `bin_dir` with its arguments.
pub fn rust_command(program: &Program, bin_dir: &Path) -> Option<Command> {
    let bin = bin_dir.join(&program.name);
    if !bin.is_file() {
        return None;
    }
    let mut cmd = Command::new(bin);
    cmd.args(&program.args);
    Some(cmd)
}

/// The command that runs `program`'s twin on `python`, in the twin's directory, writing no
/// bytecode into the source tree.
pub fn twin_command(program: &Program, python: &Python) -> (Command, PathBuf) {
    let twin = program
        .twin
        .as_ref()
        .expect("the caller checked the twin exists");
    let dir = twin
        .parent()
        .expect("a twin is a file in a directory")
        .to_path_buf();
    let mut cmd = Command::new(&python.command);
    cmd.arg(twin.file_name().expect("a file"))
        .args(&program.args)
        .env("PYTHONDONTWRITEBYTECODE", "1");
    (cmd, dir)
}

/// Why `program` cannot run here: a command it needs is not on PATH.
pub fn needs_missing(program: &Program) -> Option<String> {
    program.missing_command().map(|c| format!("no {c} on PATH"))
}
