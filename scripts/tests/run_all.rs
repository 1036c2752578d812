//! Tests for `scripts/run_all.sh`: it lists every demo, runs demos in
//! tutorial order, reports failures, and kills a demo that overruns its time
//! limit together with the processes it started.
#![cfg(unix)]
// Helper functions unwrap too: a failed step is a failed test.
#![allow(clippy::unwrap_used)]

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn run_all(args: &[&str]) -> Output {
    Command::new("bash")
        .arg(root().join("scripts/run_all.sh"))
        .args(args)
        .output()
        .unwrap()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The workspace members named in the root Cargo.toml, in their order.
fn members() -> Vec<String> {
    let manifest = fs::read_to_string(root().join("Cargo.toml")).unwrap();
    let start = manifest.find("members = [").unwrap();
    let end = start + manifest[start..].find(']').unwrap();
    manifest[start..end]
        .lines()
        .skip(1)
        .map(str::trim)
        .filter(|line| line.starts_with('"'))
        .map(|line| line.trim_matches(|c| c == '"' || c == ',').to_string())
        .collect()
}

/// A directory of stand-in demo binaries (shell scripts), removed on drop.
struct FakeBins(PathBuf);

impl FakeBins {
    fn new(tag: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("run-all-{tag}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        FakeBins(dir)
    }

    fn add(&self, name: &str, body: &str) {
        let path = self.0.join(name);
        fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
    }
}

impl Drop for FakeBins {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn summary_row<'a>(out: &'a str, demo: &str) -> &'a str {
    let summary = &out[out.find("=== summary ===").expect("a summary")..];
    summary
        .lines()
        .find(|line| line.split_whitespace().next() == Some(demo))
        .unwrap_or_else(|| panic!("no summary row for {demo} in:\n{summary}"))
}

#[test]
fn list_names_every_demo_member_in_workspace_order() {
    let out = run_all(&["--list"]);
    assert!(out.status.success());
    let listed: Vec<String> = stdout(&out).lines().map(String::from).collect();
    // Every member is a demo except the benchmark, this test package and the tests' helpers.
    let demos: Vec<String> = members()
        .into_iter()
        .filter(|m| m != "bench" && m != "scripts" && m != "testkit")
        .collect();
    assert_eq!(listed, demos);
    assert!(listed.len() >= 16, "listed only {listed:?}");
}

#[test]
fn named_demos_run_in_tutorial_order_and_pass() {
    // Named out of order on purpose: the script keeps the tutorial's order.
    let out = run_all(&["threadlocal-demo", "spawn-demo"]);
    let text = stdout(&out);
    assert!(out.status.success(), "run_all failed:\n{text}");
    let spawn = text.find("=== spawn-demo ===").expect("spawn-demo header");
    let local = text
        .find("=== threadlocal-demo ===")
        .expect("threadlocal header");
    assert!(spawn < local, "spawn-demo (example 2) must run first");
    assert!(summary_row(&text, "spawn-demo").contains(" ok "));
    assert!(summary_row(&text, "threadlocal-demo").contains(" ok "));
    assert!(text.contains("2 demos: 2 ok, 0 failed"), "{text}");
    // The demos' own output appears under their headers.
    assert!(
        text[local..].contains("Hello, Alice (in Thread-A)"),
        "{text}"
    );
}

#[test]
fn a_failing_demo_fails_the_run_but_the_others_still_run() {
    let bins = FakeBins::new("fail");
    bins.add("fork-demo", "echo forked; exit 3");
    bins.add("spawn-demo", "echo spawned");
    let dir = bins.0.to_str().unwrap();
    let out = run_all(&["--bin-dir", dir, "fork-demo", "spawn-demo"]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(summary_row(&text, "fork-demo").contains("failed (exit 3)"));
    assert!(summary_row(&text, "spawn-demo").contains(" ok "));
    assert!(text.contains("2 demos: 1 ok, 1 failed"), "{text}");
}

#[test]
fn a_demo_past_its_limit_is_killed_with_its_children() {
    let bins = FakeBins::new("slow");
    let pid_file = bins.0.join("child.pid");
    // The stand-in starts a long-lived child, records its PID, then hangs.
    bins.add(
        "pool-demo",
        &format!("sleep 600 & echo $! > '{}'; sleep 600", pid_file.display()),
    );
    // Output goes to a file, not a pipe: a surviving child would hold a pipe
    // open and make the test hang instead of fail.
    let log_path = bins.0.join("run.log");
    let mut script = Command::new("bash")
        .arg(root().join("scripts/run_all.sh"))
        .args([
            "--bin-dir",
            bins.0.to_str().unwrap(),
            "--timeout",
            "1",
            "pool-demo",
        ])
        .stdout(fs::File::create(&log_path).unwrap())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = script.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            script.kill().unwrap();
            panic!("run_all.sh did not end within 30 s of a 1 s limit");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let text = fs::read_to_string(&log_path).unwrap();
    assert_eq!(status.code(), Some(1), "{text}");
    assert!(summary_row(&text, "pool-demo").contains("over 1s, killed"));

    let child: u32 = fs::read_to_string(&pid_file)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    // Killed and orphaned, the child is either gone or a zombie awaiting its
    // reaper; either way it no longer runs.
    let running = || match fs::read_to_string(format!("/proc/{child}/stat")) {
        Ok(stat) => !stat
            .rsplit(')')
            .next()
            .unwrap()
            .trim_start()
            .starts_with('Z'),
        Err(_) => false,
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    while running() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    let alive = running();
    if alive {
        let _ = Command::new("kill")
            .args(["-9", &child.to_string()])
            .status();
        panic!("the demo's child {child} outlived the time limit");
    }
}

#[test]
fn bad_arguments_get_one_line_and_exit_2() {
    let out = run_all(&["no-such-demo"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim(),
        "error: no demo named 'no-such-demo' (see --list)"
    );
    let out = run_all(&["--timeout", "soon"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("error: the time limit"));
}

#[test]
fn help_describes_the_options() {
    let out = run_all(&["--help"]);
    assert!(out.status.success());
    let text = stdout(&out);
    for option in ["--list", "--no-build", "--bin-dir", "--timeout"] {
        assert!(text.contains(option), "--help does not mention {option}");
    }
}
