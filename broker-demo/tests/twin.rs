//! The Python twin, `broker_demo.py` (redis-py): the same lines as the Rust program, and
//! the same messages, so that a Python master drives Rust workers and the other way round.
//! Each test prints `skipped:` and passes where python3, redis-py or redis-server is
//! missing.

// Tests may unwrap, helpers included (clippy.toml only covers #[test] functions).
#![allow(clippy::unwrap_used)]

mod common;

use std::process::Command;
use std::time::Duration;

use common::{EXE, assert_each_result_once, count, python, run_team, rust};
use testkit::redis::RedisServer;
use testkit::twin;

#[test]
fn broker_demo_py_prints_the_same_lines() {
    let test = "broker_demo_py_prints_the_same_lines";
    let limit = Duration::from_secs(40);
    let runs = twin::run(
        test,
        env!("CARGO_MANIFEST_DIR"),
        "broker_demo.py",
        &[],
        &["redis"],
        limit,
    );
    if runs.is_empty() {
        return;
    }
    let rs = testkit::run_leaving_nothing(EXE, &[], limit);
    twin::each(&runs, |run| {
        let py = &run.out;
        assert_eq!((rs.code, py.code), (Some(0), Some(0)), "{rs:?}\n{py:?}");
        // Processes print side by side, so only the order may differ.
        twin::assert_same_lines_any_order(&rs.stdout, &py.stdout);
        if !py.stdout.starts_with("skipped: ") {
            // The facts it shows, in Python too: one worker killed, its task run again, and
            // still one result per task.
            assert_each_result_once(&py.stdout, 10);
            assert_eq!(count(&py.stdout, "Killed worker-"), 1, "{py:?}");
            assert_eq!(count(&py.stdout, "run task "), 11, "{py:?}");
        }
    });
}

/// `rust` or `python`: a command for one role.
type Starter = fn(&str, &[&str]) -> Command;

/// A team of one master and two workers on a fresh redis-server with a password, each
/// started by `master` or `workers`, must bring all 6 results, each once.
fn mixed_team(test: &str, master: Starter, worker: Starter) {
    if let Some(why) = twin::missing(&["redis"]) {
        twin::skip(test, &why);
        return;
    }
    let Some(server) = RedisServer::start(test, Some("team-password")) else {
        return;
    };
    let url = server.url();
    let workers = vec![worker(&url, &["worker"]), worker(&url, &["worker"])];
    let (master, workers) = run_team(master(&url, &["master", "--tasks", "6"]), workers);
    assert_eq!(master.code, Some(0), "{master:?}");
    assert_each_result_once(&master.stdout, 6);
    let runs: usize = workers.iter().map(|w| count(&w.stdout, "run task ")).sum();
    assert_eq!(runs, 6, "{workers:?}");
    for w in &workers {
        assert_eq!(w.code, Some(0), "{w:?}");
        assert_eq!(count(&w.stdout, "worker exit."), 1, "{w:?}");
    }
}

#[test]
fn a_python_master_with_rust_workers() {
    mixed_team("a_python_master_with_rust_workers", python, rust);
}

#[test]
fn a_rust_master_with_python_workers() {
    mixed_team("a_rust_master_with_python_workers", rust, python);
}
