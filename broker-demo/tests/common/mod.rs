//! What the broker tests share: starting masters and workers (Rust or Python) against a
//! test's own redis-server, and checking that every task gave exactly one right result.

#![allow(dead_code)] // each test binary uses a part of this
#![allow(clippy::unwrap_used)] // a test's helpers may unwrap

use std::process::Command;
use std::thread;
use std::time::Duration;

use testkit::{Outcome, command_within};

pub const EXE: &str = env!("CARGO_BIN_EXE_broker-demo");
/// For one process: a run with a poison task takes about 3 x 3 s, and a hung process
/// must fail its test well within cargo-mutants' time limit.
pub const LIMIT: Duration = Duration::from_secs(30);

/// `rust` or `python`: a command for one role.
pub type Starter = fn(&str, &[&str]) -> Command;

/// `broker-demo ARGS` with REDIS_URL set to `url`.
pub fn rust(url: &str, args: &[&str]) -> Command {
    let mut cmd = Command::new(EXE);
    cmd.args(args).env("REDIS_URL", url);
    cmd
}

/// `python3 broker_demo.py ARGS` with REDIS_URL set to `url`.
pub fn python(url: &str, args: &[&str]) -> Command {
    let mut cmd = Command::new("python3");
    cmd.arg(testkit::twin::script(
        env!("CARGO_MANIFEST_DIR"),
        "broker_demo.py",
    ))
    .args(args)
    .env("REDIS_URL", url)
    .env("PYTHONDONTWRITEBYTECODE", "1");
    cmd
}

/// Starts `workers`, then runs `master`, each under LIMIT; returns every outcome once all
/// have exited.
pub fn run_team(master: Command, workers: Vec<Command>) -> (Outcome, Vec<Outcome>) {
    let running: Vec<_> = workers
        .into_iter()
        .map(|w| thread::spawn(move || command_within(w, LIMIT)))
        .collect();
    let master = command_within(master, LIMIT);
    let workers = running.into_iter().map(|w| w.join().unwrap()).collect();
    (master, workers)
}

/// The lines of `text` that start with `prefix`.
pub fn count(text: &str, prefix: &str) -> usize {
    text.lines().filter(|l| l.starts_with(prefix)).count()
}

/// Checks that `tasks` tasks were put and that each gave exactly one `Result: n * n = r`
/// line with r the square of n. Returns the numbers, sorted.
pub fn assert_each_result_once(out: &str, tasks: usize) -> Vec<u64> {
    let mut put: Vec<u64> = out
        .lines()
        .filter_map(|l| l.strip_prefix("Put task ")?.strip_suffix("..."))
        .map(|n| n.parse().unwrap())
        .collect();
    let mut done = Vec::new();
    for line in out.lines().filter(|l| l.starts_with("Result: ")) {
        let numbers: Vec<u64> = line
            .split(|c: char| !c.is_ascii_digit())
            .filter(|w| !w.is_empty())
            .map(|w| w.parse().unwrap())
            .collect();
        assert_eq!(numbers.len(), 3, "{line}");
        assert_eq!(numbers[0], numbers[1], "{line}");
        assert_eq!(
            numbers[2],
            numbers[0] * numbers[0],
            "a wrong square: {line}"
        );
        done.push(numbers[0]);
    }
    put.sort_unstable();
    done.sort_unstable();
    assert_eq!(put.len(), tasks, "tasks put:\n{out}");
    assert_eq!(done, put, "each task must give exactly one result:\n{out}");
    put
}
