//! Tests for `scripts/run_all.sh`: it finds every program of every demo crate, runs them
//! in tutorial order (with `--python`, each followed by its Python twin), reports failed
//! and skipped runs, kills a run that overruns its limit together with the processes it
//! started, and on a signal stops everything it started before it exits.
#![cfg(unix)]
// Helper functions unwrap too: a failed step is a failed test.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::process::Command;
use std::time::{Duration, Instant};

use common::{
    Workspace, assert_usage_errors, columns, root, run, script, script_via_cargo, summary_row,
};

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

#[test]
fn list_names_every_binary_of_every_demo_crate_in_member_order() {
    // Cargo's own view of the binaries, independent of how the script finds them.
    let out = run(
        {
            let mut cmd = Command::new(env!("CARGO"));
            cmd.args(["metadata", "--no-deps", "--format-version", "1"])
                .current_dir(root());
            cmd
        },
        120,
    );
    assert_eq!(out.code, Some(0), "{out:?}");
    let metadata: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    // Binaries by crate directory.
    let mut bins: BTreeMap<String, (String, Vec<String>)> = BTreeMap::new();
    for package in metadata["packages"].as_array().unwrap() {
        let manifest = package["manifest_path"].as_str().unwrap();
        let dir = manifest
            .strip_prefix(root().to_str().unwrap())
            .unwrap()
            .trim_start_matches('/')
            .trim_end_matches("/Cargo.toml")
            .to_string();
        let names = package["targets"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|t| t["kind"].as_array().unwrap().iter().any(|k| k == "bin"))
            .map(|t| t["name"].as_str().unwrap().to_string())
            .collect();
        bins.insert(dir, (package["name"].as_str().unwrap().to_string(), names));
    }
    // Crates in member order; in a crate, the package's own program, then the others
    // by name. A demo program is a binary with a Python twin beside its crate's
    // Cargo.toml (NAME with `_` for `-`, .py); the tools' binaries have none.
    let mut expected = Vec::new();
    for member in members() {
        let (package, mut names) = bins.remove(&member).expect("cargo knows every member");
        names.retain(|name| {
            root()
                .join(&member)
                .join(format!("{}.py", name.replace('-', "_")))
                .is_file()
        });
        names.sort_by_key(|name| (*name != package, name.clone()));
        expected.extend(names);
    }

    // As a user runs it, through `cargo run` (which may wait for the build lock).
    let out = run(script_via_cargo("run_all.sh", &["--list"]), 900);
    assert_eq!(out.code, Some(0), "{out:?}");
    let listed: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(listed, expected);
    assert!(listed.len() >= 18, "listed only {listed:?}");
}

/// The registry entry of a program: `[[package.metadata.programs]]` with `order` and `bin`.
fn entry(order: u32, bin: &str) -> String {
    format!("\n[[package.metadata.programs]]\norder = {order}\nbin = \"{bin}\"\n")
}

#[test]
fn the_registry_says_which_binaries_are_programs_and_in_what_order() {
    // Members in another order than the registry's, a package named unlike its
    // directory, a crate of several programs, a tool whose binary has no entry.
    let ws = Workspace::new("list", &["zeta", "alpha-dir", "tool"]);
    ws.package("zeta", "zeta");
    for file in ["src/main.rs", "src/bin/beta.rs", "src/bin/gamma/main.rs"] {
        ws.file(&format!("zeta/{file}"), "fn main() {}\n");
    }
    ws.package("alpha-dir", "alpha");
    ws.file("alpha-dir/src/main.rs", "fn main() {}\n");
    ws.package("tool", "tool");
    ws.file("tool/src/main.rs", "fn main() {}\n");
    let add = |dir: &str, text: &str| {
        let path = ws.root.join(dir).join("Cargo.toml");
        let manifest = fs::read_to_string(&path).unwrap();
        fs::write(path, manifest + text).unwrap();
    };
    add("zeta", &(entry(30, "zeta") + &entry(10, "beta")));
    add("alpha-dir", &entry(20, "alpha"));
    for name in ["zeta", "beta", "alpha", "tool"] {
        ws.bin(name, &format!("echo 'ran {name}'"));
    }
    let listed = |ws: &Workspace| {
        let out = run(ws.script("run_all.sh", &["--list"]), 60);
        assert_eq!(out.code, Some(0), "{out:?}");
        out.stdout.lines().map(String::from).collect::<Vec<_>>()
    };
    assert_eq!(listed(&ws), ["beta", "alpha", "zeta"]);
    let out = run(ws.script("run_all.sh", &["--bin-dir", &ws.bin_dir()]), 60);
    assert!(!out.stdout.contains("ran tool"), "{out:?}");

    // One entry added to the registry: the tool's binary is now a program, listed in
    // its place and run.
    add("tool", &entry(15, "tool"));
    assert_eq!(listed(&ws), ["beta", "tool", "alpha", "zeta"]);
    let out = run(ws.script("run_all.sh", &["--bin-dir", &ws.bin_dir()]), 60);
    assert_eq!(out.code, Some(0), "{out:?}");
    assert!(out.stdout.contains("ran tool"), "{out:?}");
    assert_eq!(columns(summary_row(&out.stdout, "tool"))[1], "ok");
    assert!(
        out.stdout.contains("4 programs: 4 ok, 0 skipped, 0 failed"),
        "{out:?}"
    );

    // An entry naming a binary its crate does not have is refused, with the reason.
    add("alpha-dir", &entry(40, "omega"));
    let out = run(ws.script("run_all.sh", &["--list"]), 60);
    assert_eq!(out.code, Some(2), "{out:?}");
    assert!(
        out.stderr.contains("alpha has no binary called omega"),
        "{out:?}"
    );
}

#[test]
fn named_programs_run_in_tutorial_order_and_pass() {
    // Named out of order on purpose: the script keeps the tutorial's order. This one
    // builds and runs the real demos.
    let out = run(
        script("run_all.sh", &["threadlocal-demo", "spawn-demo"]),
        900,
    );
    let text = &out.stdout;
    assert_eq!(out.code, Some(0), "run_all failed:\n{text}");
    let spawn = text.find("=== spawn-demo ===").expect("spawn-demo header");
    let local = text
        .find("=== threadlocal-demo ===")
        .expect("threadlocal header");
    assert!(spawn < local, "spawn-demo (example 2) must run first");
    assert_eq!(columns(summary_row(text, "spawn-demo"))[1], "ok");
    assert_eq!(columns(summary_row(text, "threadlocal-demo"))[1], "ok");
    assert!(
        text.contains("2 programs: 2 ok, 0 skipped, 0 failed"),
        "{text}"
    );
    // The demos' own output appears under their headers.
    assert!(
        text[local..].contains("Hello, Alice (in Thread-A)"),
        "{text}"
    );
}

/// A workspace of two stand-in programs, `first` and `second`, with the given bodies.
fn two_programs(tag: &str, first: &str, second: &str) -> Workspace {
    let ws = Workspace::new(tag, &["first", "second"]);
    ws.program("first", first);
    ws.program("second", second);
    ws
}

#[test]
fn a_failing_program_fails_the_run_but_the_others_still_run() {
    let ws = two_programs("fail", "echo first ran; exit 3", "echo second ran");
    let out = run(ws.script("run_all.sh", &["--bin-dir", &ws.bin_dir()]), 60);
    let text = &out.stdout;
    assert_eq!(out.code, Some(1), "{text}");
    assert!(
        text.contains("first ran") && text.contains("second ran"),
        "{text}"
    );
    assert_eq!(columns(summary_row(text, "first"))[1], "failed (exit 3)");
    assert_eq!(columns(summary_row(text, "second"))[1], "ok");
    assert!(
        text.contains("2 programs: 1 ok, 0 skipped, 1 failed"),
        "{text}"
    );
}

#[test]
fn a_program_that_says_skipped_and_exits_0_shows_as_skipped_not_ok() {
    let ws = two_programs(
        "skip",
        "echo 'skipped: redis-server not found (apt-get install redis-server)'",
        "echo 'skipped: but it failed'; exit 4",
    );
    let out = run(ws.script("run_all.sh", &["--bin-dir", &ws.bin_dir()]), 60);
    let text = &out.stdout;
    assert_eq!(
        columns(summary_row(text, "first"))[1],
        "skipped (redis-server not found (apt-get install redis-server))"
    );
    // A non-zero exit is a failure whatever the program printed.
    assert_eq!(columns(summary_row(text, "second"))[1], "failed (exit 4)");
    assert!(
        text.contains("2 programs: 0 ok, 1 skipped, 1 failed"),
        "{text}"
    );
    assert_eq!(out.code, Some(1), "{text}");

    // Skipped alone does not fail the run.
    let out = run(
        ws.script("run_all.sh", &["--bin-dir", &ws.bin_dir(), "first"]),
        60,
    );
    assert_eq!(out.code, Some(0), "{out:?}");
    assert!(
        out.stdout.contains("1 programs: 0 ok, 1 skipped, 0 failed"),
        "{out:?}"
    );
}

#[test]
fn a_program_past_its_limit_is_killed_with_its_children() {
    let ws = Workspace::new("slow", &["slow"]);
    let pid_file = ws.root.join("child.pid");
    // The stand-in starts a long-lived child, records its PID, then hangs.
    ws.program(
        "slow",
        &format!("sleep 600 & echo $! > '{}'; sleep 600", pid_file.display()),
    );
    // Output goes to a file, not a pipe: a surviving child would hold a pipe open and
    // make the test hang instead of fail.
    let log_path = ws.root.join("run.log");
    let mut cmd = ws.script(
        "run_all.sh",
        &["--bin-dir", &ws.bin_dir(), "--timeout", "1"],
    );
    cmd.stdout(fs::File::create(&log_path).unwrap());
    let status = wait_within(&mut cmd.spawn().unwrap(), 30, "run_all.sh with a 1 s limit");
    let text = fs::read_to_string(&log_path).unwrap();
    assert_eq!(status, Some(1), "{text}");
    assert_eq!(
        columns(summary_row(&text, "slow"))[1],
        "failed (over 1s, killed)"
    );

    assert_stopped(&pid_file);
}

#[test]
fn what_a_program_leaves_running_is_stopped_when_it_exits() {
    let ws = Workspace::new("leftover", &["leaves"]);
    let pid_file = ws.root.join("child.pid");
    // The stand-in starts a long-lived child and exits at once, successfully.
    ws.program(
        "leaves",
        &format!(
            "sleep 600 >/dev/null 2>&1 & echo $! > '{}'",
            pid_file.display()
        ),
    );
    let log_path = ws.root.join("run.log");
    let mut cmd = ws.script("run_all.sh", &["--bin-dir", &ws.bin_dir()]);
    cmd.stdout(fs::File::create(&log_path).unwrap());
    let status = wait_within(&mut cmd.spawn().unwrap(), 30, "run_all.sh");
    let text = fs::read_to_string(&log_path).unwrap();
    assert_eq!(status, Some(0), "{text}");
    assert_stopped(&pid_file);
}

/// Checks that the process whose PID is in `pid_file` stops running within a few
/// seconds; kills it and fails the test if not.
fn assert_stopped(pid_file: &std::path::Path) {
    let pid: u32 = fs::read_to_string(pid_file)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    // Killed and orphaned, it is either gone or a zombie awaiting its reaper; either
    // way it no longer runs.
    let running = || match fs::read_to_string(format!("/proc/{pid}/stat")) {
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
    if running() {
        let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
        panic!("the program's child {pid} was left running");
    }
}

/// Waits for `child` to exit, killing it and failing the test past `seconds`.
fn wait_within(child: &mut std::process::Child, seconds: u64, what: &str) -> Option<i32> {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status.code();
        }
        if Instant::now() > deadline {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!("{what} did not end within {seconds} s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The live processes (zombies aside) whose environment holds `marker`: every process
/// a run started inherits the environment, so this finds all of them, whichever
/// process group they are in.
fn processes_marked(marker: &str) -> Vec<u32> {
    assert!(
        fs::metadata("/proc").is_ok(),
        "no /proc to look for processes in"
    );
    let marked = |pid: &u32| {
        fs::read(format!("/proc/{pid}/environ")).is_ok_and(|environ| {
            environ
                .split(|&b| b == 0)
                .any(|var| var == marker.as_bytes())
        })
    };
    (testkit::live_processes().into_iter())
        .map(|(pid, _)| pid)
        .filter(marked)
        .collect()
}

#[test]
fn a_signal_stops_the_run_and_leaves_no_process_of_its_own() {
    let ws = Workspace::new("signal", &["hang"]);
    let started = ws.root.join("started");
    // The stand-in starts a child and hangs; the run's limit is far away, so its
    // watchdog is waiting too.
    ws.program(
        "hang",
        &format!("sleep 600 & touch '{}'; sleep 600", started.display()),
    );
    for (signal, number) in [("INT", 2), ("TERM", 15), ("HUP", 1)] {
        if signal == "INT" && testkit::sigint_ignored() {
            testkit::twin::skip(
                "a_signal_stops_the_run_and_leaves_no_process_of_its_own",
                "SIGINT is ignored in this test's process (started in the background), so \
                 run_all.sh inherits it ignored and cannot trap it; TERM and HUP are checked",
            );
            continue;
        }
        let _ = fs::remove_file(&started);
        let marker = format!("RUN_ALL_SIGNAL_TEST={signal}-{}", std::process::id());
        let (key, value) = marker.split_once('=').unwrap();
        let log_path = ws.root.join("run.log");
        let mut cmd = ws.script(
            "run_all.sh",
            &["--bin-dir", &ws.bin_dir(), "--timeout", "300", "--python"],
        );
        cmd.env(key, value)
            .stdout(fs::File::create(&log_path).unwrap())
            .stderr(fs::File::create(ws.root.join("run.err")).unwrap());
        let mut child = cmd.spawn().unwrap();
        // Under way: the run, its program and the program's two sleeps.
        let deadline = Instant::now() + Duration::from_secs(30);
        while !started.exists() || processes_marked(&marker).len() < 4 {
            assert!(
                Instant::now() < deadline,
                "the run did not start: {:?}",
                processes_marked(&marker)
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        let sent = Command::new("kill")
            .args(["-s", signal, &child.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
        let code = wait_within(&mut child, 30, &format!("run_all.sh after SIG{signal}"));
        assert_eq!(code, Some(128 + number), "exit status after SIG{signal}");

        let deadline = Instant::now() + Duration::from_secs(5);
        let mut left = processes_marked(&marker);
        while !left.is_empty() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
            left = processes_marked(&marker);
        }
        for pid in &left {
            let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
        }
        assert!(
            left.is_empty(),
            "after SIG{signal}, still running: {left:?}"
        );
    }
}

/// A workspace for the Python column: programs `plain`, `broken`, `no-twin`, `web` and
/// `broker`, each a stand-in that prints its name, each but `no-twin` with a twin.
fn with_twins(tag: &str) -> Workspace {
    let ws = Workspace::new(tag, &["plain", "broken", "no-twin", "web", "broker"]);
    for name in ["plain", "broken", "no-twin", "broker"] {
        ws.program(name, &format!("echo 'rust {name}'"));
    }
    // The registry says which modules a twin imports.
    ws.program_with("web", "echo 'rust web'", "python-modules = [\"aiohttp\"]\n");
    // A twin with a module beside it: without PYTHONDONTWRITEBYTECODE its import
    // would leave plain/__pycache__ behind.
    ws.file("plain/helper.py", "WORD = 'python plain'\n");
    ws.file("plain/plain.py", "from helper import WORD\nprint(WORD)\n");
    ws.file(
        "broken/broken.py",
        "print('python broken')\nraise SystemExit(5)\n",
    );
    ws.file("web/web.py", "import aiohttp\nprint('python web')\n");
    ws.file(
        "broker/broker.py",
        "print('skipped: redis-server not found')\n",
    );
    ws
}

#[test]
fn python_runs_each_twin_after_its_program_and_adds_a_column() {
    if let Some(why) = testkit::twin::missing(&[]) {
        testkit::twin::skip(
            "python_runs_each_twin_after_its_program_and_adds_a_column",
            &why,
        );
        return;
    }
    let ws = with_twins("python");
    // An aiohttp that fails to import, placed first on Python's path: this Python
    // has no aiohttp, as far as the twins can tell.
    ws.file(
        "fake-modules/aiohttp.py",
        "raise ImportError('no aiohttp here')\n",
    );
    let mut cmd = ws.script("run_all.sh", &["--python", "--bin-dir", &ws.bin_dir()]);
    cmd.env("PYTHONPATH", ws.root.join("fake-modules"))
        // The script sets it for the twins: it must not come from here.
        .env_remove("PYTHONDONTWRITEBYTECODE");
    let out = run(cmd, 120);
    let text = &out.stdout;

    let python = |name: &str| columns(summary_row(text, name))[3].to_string();
    assert_eq!(python("plain"), "ok");
    assert_eq!(python("broken"), "failed (exit 5)");
    assert_eq!(python("no-twin"), "skipped (no twin file yet)");
    assert_eq!(python("web"), "skipped (no aiohttp)");
    assert_eq!(python("broker"), "skipped (redis-server not found)");
    // The Rust programs' column is unchanged by their twins.
    for name in ["plain", "broken", "no-twin", "web", "broker"] {
        assert_eq!(columns(summary_row(text, name))[1], "ok", "{text}");
    }
    assert!(
        text.contains("5 programs: 5 ok, 0 skipped, 0 failed"),
        "{text}"
    );
    assert_eq!(
        twins_line(text),
        format!(
            "5 Python twins on {}: 1 ok, 3 skipped, 1 failed",
            python3_label()
        )
    );
    assert_eq!(out.code, Some(1), "a failed twin fails the run: {text}");

    // Each twin runs right after its own program, with its output under its header.
    let at = |needle: &str| {
        text.find(needle)
            .unwrap_or_else(|| panic!("no {needle:?} in {text}"))
    };
    assert!(at("rust plain") < at("python plain"));
    assert!(at("python plain") < at("rust broken"));
    assert!(at("rust broken") < at("python broken"));
    assert!(
        !text.contains("python web"),
        "a skipped twin does not run: {text}"
    );
    assert!(
        !ws.root.join("plain/__pycache__").exists(),
        "the twin's run wrote bytecode into the source tree"
    );
}

#[test]
fn without_python_every_twin_is_skipped() {
    let ws = with_twins("no-python");
    let mut cmd = ws.script("run_all.sh", &["--python", "--bin-dir", &ws.bin_dir()]);
    cmd.env("PYTHON", "no-such-python3");
    let out = run(cmd, 60);
    let text = &out.stdout;
    assert_eq!(out.code, Some(0), "{text}");
    for name in ["plain", "broken", "web", "broker"] {
        assert_eq!(
            columns(summary_row(text, name))[3],
            "skipped (no no-such-python3)"
        );
    }
    assert_eq!(
        twins_line(text),
        "5 Python twins on no-such-python3: 0 ok, 5 skipped, 0 failed"
    );
}

#[test]
fn a_twin_gets_the_programs_arguments_and_its_time_limit() {
    if let Some(why) = testkit::twin::missing(&[]) {
        testkit::twin::skip(
            "a_twin_gets_the_programs_arguments_and_its_time_limit",
            &why,
        );
        return;
    }
    // async-web is run with --demo; so is its twin, and a twin that hangs is killed.
    // The registry gives async-web its --demo; its twin gets it too.
    let ws = Workspace::new("twin-limit", &["async-web"]);
    ws.program_with(
        "async-web",
        "echo \"rust args: $*\"",
        "args = [\"--demo\"]\n",
    );
    ws.file(
        "async-web/async_web.py",
        "import sys, time\nprint('python args:', *sys.argv[1:], flush=True)\ntime.sleep(600)\n",
    );
    let out = run(
        ws.script(
            "run_all.sh",
            &["--python", "--bin-dir", &ws.bin_dir(), "--timeout", "2"],
        ),
        60,
    );
    let text = &out.stdout;
    assert!(text.contains("rust args: --demo"), "{text}");
    assert!(text.contains("python args: --demo"), "{text}");
    let row = columns(summary_row(text, "async-web"));
    assert_eq!(row[1], "ok");
    assert_eq!(row[3], "failed (over 2s, killed)");
    assert_eq!(out.code, Some(1), "{text}");
}

#[test]
fn bad_arguments_get_one_line_and_exit_2() {
    assert_usage_errors(
        "run_all.sh",
        &[
            (
                &["no-such-demo"],
                "error: no program named 'no-such-demo' (see --list)",
            ),
            (
                &["--timeout", "soon"],
                "error: the time limit must be a whole number of seconds above 0, not 'soon'",
            ),
            (&["--timeout"], "error: --timeout needs a number of seconds"),
            (
                &["--bin-dir", "/no/such/dir"],
                "error: --bin-dir: '/no/such/dir' is not a directory",
            ),
            (&["--fast"], "error: unknown option '--fast' (see --help)"),
            (
                &["--interpreter"],
                "error: --interpreter needs a Python command or path",
            ),
        ],
    );
}

#[test]
fn help_describes_the_options() {
    let out = run(script("run_all.sh", &["--help"]), 60);
    assert_eq!(out.code, Some(0));
    for option in [
        "--list",
        "--python",
        "--interpreter PYTHON",
        "--all-interpreters",
        "--no-build",
        "--bin-dir",
        "--timeout",
    ] {
        assert!(
            out.stdout.contains(option),
            "--help does not mention {option}"
        );
    }
}

#[test]
fn a_relative_python_is_found_from_where_the_run_started() {
    if let Some(why) = testkit::twin::missing(&[]) {
        testkit::twin::skip(
            "a_relative_python_is_found_from_where_the_run_started",
            &why,
        );
        return;
    }
    // The twin runs in its crate's directory; PYTHON=./py names the run's directory.
    let ws = Workspace::new("relative-python", &["demo"]);
    ws.program("demo", "echo rust");
    ws.file("demo/demo.py", "print('python')\n");
    let executable = run(
        {
            let mut cmd = Command::new("python3");
            cmd.args(["-c", "import sys; print(sys.executable)"]);
            cmd
        },
        60,
    );
    std::os::unix::fs::symlink(executable.stdout.trim(), ws.root.join("py")).unwrap();
    let mut cmd = ws.script("run_all.sh", &["--python", "--bin-dir", &ws.bin_dir()]);
    cmd.env("PYTHON", "./py").current_dir(&ws.root);
    let out = run(cmd, 60);
    assert_eq!(out.code, Some(0), "{out:?}");
    assert_eq!(columns(summary_row(&out.stdout, "demo"))[3], "ok");
}

/// The line counting the twins' results on one interpreter (the first such line).
fn twins_line(text: &str) -> &str {
    text.lines()
        .find(|l| l.contains(" Python twins on "))
        .unwrap_or_else(|| panic!("no count of the twins in:\n{text}"))
}

/// How run_all names python3 in its table: `python3 (MAJOR.MINOR)`.
fn python3_label() -> String {
    let mut cmd = Command::new("python3");
    cmd.args(["-c", "import sys; print('%d.%d' % sys.version_info[:2])"]);
    format!("python3 ({})", run(cmd, 60).stdout.trim())
}

#[test]
fn each_interpreter_named_gets_a_column_and_a_missing_one_is_skipped() {
    if let Some(why) = testkit::twin::missing(&[]) {
        testkit::twin::skip(
            "each_interpreter_named_gets_a_column_and_a_missing_one_is_skipped",
            &why,
        );
        return;
    }
    let ws = Workspace::new("interpreters", &["demo"]);
    ws.program("demo", "echo rust");
    ws.file(
        "demo/demo.py",
        "import sys\nprint('python', sys.version_info[0])\n",
    );
    // A second interpreter under another name, as scripts/python.sh --print names its
    // builds; and a stand-in python.sh that prints it and one that is not there.
    let executable = run(
        {
            let mut cmd = Command::new("python3");
            cmd.args(["-c", "import sys; print(sys.executable)"]);
            cmd
        },
        60,
    );
    let other = ws.root.join("python3.99t");
    std::os::unix::fs::symlink(executable.stdout.trim(), &other).unwrap();
    let other = other.to_str().unwrap();

    let out = run(
        ws.script(
            "run_all.sh",
            &[
                "--bin-dir",
                &ws.bin_dir(),
                "--interpreter",
                "python3",
                "--interpreter",
                other,
                "--interpreter",
                "no-such-python9",
            ],
        ),
        120,
    );
    let text = &out.stdout;
    assert_eq!(out.code, Some(0), "{out:?}");
    let header = text[text.find("=== summary ===").unwrap()..]
        .lines()
        .nth(1)
        .unwrap();
    let version = python3_label();
    let version = version.trim_start_matches("python3 ");
    assert_eq!(
        columns(header),
        [
            "program",
            "result",
            "seconds",
            &format!("python3 {version}"),
            "seconds",
            &format!("python3.99t {version}"),
            "seconds",
            "no-such-python9",
            "seconds"
        ]
    );
    let row = columns(summary_row(text, "demo"));
    assert_eq!(
        (row[3], row[5], row[7]),
        ("ok", "ok", "skipped (no no-such-python9)")
    );
    // Each ran the twin, under its own header.
    assert!(text.contains("-- demo: python3 demo/demo.py --"), "{text}");
    assert!(
        text.contains("-- demo: python3.99t demo/demo.py --"),
        "{text}"
    );

    // --all-interpreters: python3 and what scripts/python.sh --print names.
    ws.file(
        "scripts/python.sh",
        &format!("[ \"$1\" = --print ] && echo '{other}'\n"),
    );
    let out = run(
        ws.script(
            "run_all.sh",
            &["--bin-dir", &ws.bin_dir(), "--all-interpreters"],
        ),
        120,
    );
    assert_eq!(out.code, Some(0), "{out:?}");
    let counts: Vec<&str> = out
        .stdout
        .lines()
        .filter(|l| l.contains(" Python twins on "))
        .collect();
    assert_eq!(
        counts,
        [
            format!("1 Python twins on python3 {version}: 1 ok, 0 skipped, 0 failed"),
            format!("1 Python twins on python3.99t {version}: 1 ok, 0 skipped, 0 failed"),
        ]
    );
    // With nothing built, it says so and runs python3 alone.
    ws.file("scripts/python.sh", "exit 0\n");
    let out = run(
        ws.script(
            "run_all.sh",
            &["--bin-dir", &ws.bin_dir(), "--all-interpreters"],
        ),
        120,
    );
    assert!(
        out.stdout
            .contains("note: scripts/python.sh has built no interpreter yet"),
        "{out:?}"
    );
    assert_eq!(
        out.stdout
            .lines()
            .filter(|l| l.contains(" Python twins on "))
            .count(),
        1,
        "{out:?}"
    );
}
