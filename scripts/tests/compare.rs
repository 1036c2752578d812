//! Tests for `scripts/compare.sh`: it runs one program and its Python twin with the same
//! arguments and prints their outputs side by side, each with its wall and CPU time.
#![cfg(unix)]
#![allow(clippy::unwrap_used)]

mod common;

use common::{Workspace, assert_usage_errors, run, script};

/// The figure after `label ` and before ` s` in `text`, e.g. `wall 1.25 s`.
fn seconds(text: &str, label: &str) -> f64 {
    let start = text.find(&format!("{label} ")).unwrap() + label.len() + 1;
    let end = start + text[start..].find(" s").unwrap();
    text[start..end].parse().unwrap()
}

#[test]
fn both_outputs_side_by_side_with_wall_and_cpu_time() {
    if let Some(why) = testkit::twin::missing(&[]) {
        testkit::twin::skip("both_outputs_side_by_side_with_wall_and_cpu_time", &why);
        return;
    }
    // The program is async-web, so both sides get its argument, --demo. The Rust
    // stand-in keeps a core busy; the Python twin sleeps.
    let ws = Workspace::new("compare", &["async-web"]);
    ws.program_with(
        "async-web",
        "echo \"hello from rust $*\"\n\
         i=0; while [ $i -lt 300000 ]; do i=$((i + 1)); done\n\
         echo 'a second rust line'\n\
         times",
        "args = [\"--demo\"]\n",
    );
    ws.file(
        "async-web/async_web.py",
        "import sys, time\nprint('hello from python', *sys.argv[1:])\ntime.sleep(1)\n",
    );
    let mut cmd = ws.script("compare.sh", &["--bin-dir", &ws.bin_dir(), "async-web"]);
    cmd.env("COLUMNS", "100");
    let out = run(cmd, 120);
    assert_eq!(out.code, Some(0), "{out:?}");
    let lines: Vec<&str> = out.stdout.lines().collect();

    // Line by line: each Rust line on the left, the same line of the twin on the right.
    let first = lines
        .iter()
        .find(|l| l.starts_with("hello from rust"))
        .unwrap_or_else(|| panic!("no Rust line in:\n{}", out.stdout));
    let (left, right) = first.split_once(" | ").unwrap();
    assert_eq!(left.trim_end(), "hello from rust --demo");
    assert_eq!(right, "hello from python --demo");
    assert_eq!(left.len(), (100 - 3) / 2, "the left column's width");
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("a second rust line ") && l.ends_with(" | ")),
        "{}",
        out.stdout
    );

    // The line before the last: each side's result, wall time and CPU time.
    let (rust, python) = lines[lines.len() - 2].split_once(" | ").unwrap();
    assert!(rust.starts_with("ok, wall "), "{rust}");
    assert!(python.starts_with("ok, wall "), "{python}");
    let (rust_wall, rust_cpu) = (seconds(rust, "wall"), seconds(rust, "CPU"));
    let (python_wall, python_cpu) = (seconds(python, "wall"), seconds(python, "CPU"));
    // The busy side's CPU time is what the shell itself counted (`times`, its last
    // line: user and system time, e.g. `0m0.40s 0m0.01s`), whatever the machine's load;
    // the sleeping side's is a small part of its wall time.
    let own: f64 = lines
        .iter()
        .find(|l| l.starts_with("0m"))
        .unwrap_or_else(|| panic!("no `times` line in:\n{}", out.stdout))
        .split(" | ")
        .next()
        .unwrap()
        .split_whitespace()
        .map(|t| {
            let (m, s) = t.trim_end_matches('s').split_once('m').unwrap();
            m.parse::<f64>().unwrap() * 60.0 + s.parse::<f64>().unwrap()
        })
        .sum();
    assert!(own > 0.0, "the busy loop took no CPU time: {}", out.stdout);
    assert!(
        (rust_cpu - own).abs() <= 0.05 + 0.1 * own,
        "measured CPU {rust_cpu} s, the shell counted {own} s (wall {rust_wall} s)"
    );
    assert!(
        python_wall >= 1.0,
        "the twin slept 1 s: wall {python_wall} s"
    );
    assert!(
        python_cpu < 0.5 * python_wall,
        "sleeping: CPU {python_cpu} s of wall {python_wall} s"
    );
}

#[test]
fn a_failing_side_fails_the_comparison() {
    if let Some(why) = testkit::twin::missing(&[]) {
        testkit::twin::skip("a_failing_side_fails_the_comparison", &why);
        return;
    }
    let ws = Workspace::new("compare-fail", &["demo"]);
    ws.program("demo", "echo rust; exit 3");
    ws.file("demo/demo.py", "print('python')\n");
    let out = run(
        ws.script("compare.sh", &["--bin-dir", &ws.bin_dir(), "demo"]),
        60,
    );
    assert_eq!(out.code, Some(1), "{out:?}");
    let lines: Vec<&str> = out.stdout.lines().collect();
    let last = lines[lines.len() - 2];
    assert!(last.starts_with("failed (exit 3), wall "), "{last}");
    assert!(last.contains(" | ok, wall "), "{last}");
}

#[test]
fn the_last_line_says_whether_both_sides_did_the_same_work() {
    if let Some(why) = testkit::twin::missing(&[]) {
        testkit::twin::skip(
            "the_last_line_says_whether_both_sides_did_the_same_work",
            &why,
        );
        return;
    }
    // One pair does the same work; the other's registry entry says what differs.
    let ws = Workspace::new("compare-work", &["same", "lighter"]);
    ws.program("same", "echo rust");
    ws.file("same/same.py", "print('python')\n");
    ws.program_with(
        "lighter",
        "echo rust",
        "differs = \"Rust counts to 3,000,000, Python to 200,000\"\n",
    );
    ws.file("lighter/lighter.py", "print('python')\n");
    let last = |name: &str| {
        let out = run(
            ws.script("compare.sh", &["--bin-dir", &ws.bin_dir(), name]),
            60,
        );
        assert_eq!(out.code, Some(0), "{out:?}");
        out.stdout.lines().last().unwrap().to_string()
    };
    assert_eq!(
        last("same"),
        format!(
            "same arguments on both sides, the Rust side a binary from {}; the registry notes \
             no difference in their work",
            ws.bin_dir()
        )
    );
    assert_eq!(
        last("lighter"),
        "not the same work, so the times do not compare: Rust counts to 3,000,000, Python to 200,000"
    );
}

#[test]
fn a_program_without_a_twin_is_refused() {
    let ws = Workspace::new("compare-no-twin", &["lonely"]);
    ws.program("lonely", "echo rust");
    let out = run(
        ws.script("compare.sh", &["--bin-dir", &ws.bin_dir(), "lonely"]),
        60,
    );
    assert_eq!(out.code, Some(1), "{out:?}");
    assert_eq!(
        out.stderr,
        "error: cannot run the twin lonely/lonely.py: no twin file yet\n"
    );
}

#[test]
fn bad_arguments_get_one_line_and_exit_2() {
    assert_usage_errors(
        "compare.sh",
        &[
            (
                &[],
                "error: name a program to compare (see scripts/run_all.sh --list)",
            ),
            (
                &["fork-demo", "spawn-demo"],
                "error: one program at a time, not 'fork-demo' and 'spawn-demo'",
            ),
            (
                &["no-such-demo"],
                "error: no program named 'no-such-demo' (see scripts/run_all.sh --list)",
            ),
            (
                &["--timeout", "0", "fork-demo"],
                "error: the time limit must be a whole number of seconds above 0, not '0'",
            ),
            (&["--fast"], "error: unknown option '--fast' (see --help)"),
        ],
    );
    let out = run(script("compare.sh", &["--help"]), 60);
    assert_eq!(out.code, Some(0));
    assert!(out.stdout.contains("CPU time"), "{}", out.stdout);
    assert!(out.stdout.contains("release build"), "{}", out.stdout);
}
