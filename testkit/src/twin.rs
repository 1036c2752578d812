//! Running a program's Python twin beside it and comparing the two outputs line by line.
//!
//! A twin is `<crate dir>/<program name with underscores>.py`. Its lines are the Rust
//! program's lines in the same words; only numbers differ (PIDs, times, counts), so the
//! comparison replaces every number by `N` first.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::{Outcome, command_within};

/// Says on stderr that a test skipped its check and why. It writes to the stderr handle
/// directly, past the test harness's capture, so the line shows in every `cargo test` run.
pub fn skip(test: &str, why: &str) {
    let _ = writeln!(std::io::stderr(), "skipped: {test}: {why}");
}

/// Why the twins cannot run here (no `python3`, or one of `modules` missing), or `None`
/// when they can.
pub fn missing(modules: &[&str]) -> Option<String> {
    let found = Command::new("python3")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    if !found.is_ok_and(|s| s.success()) {
        return Some("no python3 on PATH".into());
    }
    for module in modules {
        let imported = Command::new("python3")
            .args(["-c", &format!("import {module}")])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        if !imported.is_ok_and(|s| s.success()) {
            return Some(format!("python3 has no {module} (pip install {module})"));
        }
    }
    None
}

/// The path of the twin `script` in the crate whose manifest dir is `crate_dir`
/// (pass `env!("CARGO_MANIFEST_DIR")`). Panics if the file is not there.
pub fn script(crate_dir: &str, script: &str) -> PathBuf {
    let path = Path::new(crate_dir).join(script);
    assert!(path.is_file(), "no Python twin at {}", path.display());
    path
}

/// Runs the twin `script` of the crate at `crate_dir` with `args` under `limit`, or
/// returns `None` after printing why it skipped (see [`missing`]) when python3 or one of
/// `modules` is not installed. Python writes no bytecode, so the source tree stays clean.
pub fn run(
    test: &str,
    crate_dir: &str,
    script_name: &str,
    args: &[&str],
    modules: &[&str],
    limit: Duration,
) -> Option<Outcome> {
    let path = script(crate_dir, script_name);
    if let Some(why) = missing(modules) {
        skip(test, &why);
        return None;
    }
    let mut cmd = Command::new("python3");
    cmd.arg(&path)
        .args(args)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .current_dir(crate_dir);
    Some(command_within(cmd, limit))
}

/// Runs the twin `script` of the crate at `crate_dir` as [`run`] does, with no arguments,
/// then the Rust program `exe` with `run_rust` ([`crate::run_within`], or
/// [`crate::run_leaving_nothing`] for a program that starts processes), and checks that
/// both exit 0. Returns their outcomes, `(rust, python)`, or `None` after saying why the
/// twin cannot run here.
pub fn run_both(
    test: &str,
    crate_dir: &str,
    script: &str,
    modules: &[&str],
    exe: &str,
    run_rust: fn(&str, &[&str], Duration) -> Outcome,
    limit: Duration,
) -> Option<(Outcome, Outcome)> {
    let python = run(test, crate_dir, script, &[], modules, limit)?;
    assert_eq!(python.code, Some(0), "{python:?}");
    let rust = run_rust(exe, &[], limit);
    assert_eq!(rust.code, Some(0), "{rust:?}");
    Some((rust, python))
}

/// `text` without its lines that are exactly `line`, each kept line ending in a newline:
/// for a twin whose one line of its own says what Python does instead.
pub fn without_line(text: &str, line: &str) -> String {
    text.lines()
        .filter(|l| *l != line)
        .map(|l| format!("{l}\n"))
        .collect()
}

/// `text`'s lines with every number (an optional `-`, digits, an optional fraction)
/// replaced by `N`, and trailing spaces removed: what stays is the words.
pub fn normalise(text: &str) -> Vec<String> {
    text.lines().map(normalise_line).collect()
}

fn normalise_line(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let chars: Vec<char> = line.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let starts_number = chars[i].is_ascii_digit()
            || (chars[i] == '-' && chars.get(i + 1).is_some_and(char::is_ascii_digit));
        if !starts_number {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        i += 1;
        while i < chars.len() && chars[i].is_ascii_digit() {
            i += 1;
        }
        if chars.get(i) == Some(&'.') && chars.get(i + 1).is_some_and(char::is_ascii_digit) {
            i += 1;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
        }
        out.push('N');
    }
    out.trim_end().to_string()
}

/// Checks that the two programs printed the same lines in the same order, numbers aside.
pub fn assert_same_lines(rust: &str, python: &str) {
    let (r, p) = (normalise(rust), normalise(python));
    if r != p {
        panic!("{}", difference(&r, &p, rust, python));
    }
}

/// Checks that the two programs printed the same lines, numbers aside, in any order: for
/// demos whose concurrent lines may interleave differently from run to run.
pub fn assert_same_lines_any_order(rust: &str, python: &str) {
    let (mut r, mut p) = (normalise(rust), normalise(python));
    r.sort();
    p.sort();
    if r != p {
        panic!("{}", difference(&r, &p, rust, python));
    }
}

fn difference(r: &[String], p: &[String], rust: &str, python: &str) -> String {
    let first = r
        .iter()
        .zip(p)
        .position(|(a, b)| a != b)
        .unwrap_or(r.len().min(p.len()));
    format!(
        "the Rust program and its Python twin print different lines \
         (first difference at line {}: {:?} against {:?})\n--- Rust:\n{rust}\n--- Python:\n{python}",
        first + 1,
        r.get(first),
        p.get(first)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_become_n_and_words_stay() {
        assert_eq!(
            normalise("Run task 3 (4521)...\nTask 2 runs 0.14 seconds.\nbalance = -17  "),
            ["Run task N (N)...", "Task N runs N seconds.", "balance = N"]
        );
        assert_eq!(normalise("[1, 4, 9]"), ["[N, N, N]"]);
        assert_eq!(normalise("Thread-A 1.5x"), ["Thread-A Nx"]);
    }

    #[test]
    fn same_words_compare_equal_and_others_do_not() {
        assert_same_lines("pid 12\nok 0.5 s\n", "pid 9876\nok 12.25 s\n");
        assert_same_lines_any_order("a 1\nb 2\n", "b 3\na 4\n");
        let order = std::panic::catch_unwind(|| assert_same_lines("a 1\nb 2\n", "b 3\na 4\n"));
        assert!(
            order.is_err(),
            "a different order must fail the ordered check"
        );
        let words = std::panic::catch_unwind(|| assert_same_lines("Hello 1", "Hallo 1"));
        assert!(words.is_err(), "a different word must fail");
        let count = std::panic::catch_unwind(|| assert_same_lines_any_order("a\n", "a\na\n"));
        assert!(count.is_err(), "an extra line must fail");
    }
}
