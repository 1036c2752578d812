//! The helpers the demos' integration tests share: run a demo binary under a time limit,
//! check its `--help` and its usage errors, and pick lines and numbers out of its output.
//!
//! They live here, in a test-only library, so that each demo's `src/main.rs` stays
//! self-contained and copyable: no demo depends on this crate, only its tests do.
//! Every helper panics with a readable message when what it checks is not so, which is
//! how an integration test fails.

pub mod group;
pub mod programs;
pub mod redis;
pub mod twin;

use std::path::Path;
use std::process::Command;
use std::str::FromStr;
use std::thread;
use std::time::{Duration, Instant};

/// How long a usage error or `--help` may take: they are instant, so this only turns a
/// hang into a failure on a busy machine.
const QUICK_LIMIT: Duration = Duration::from_secs(60);

/// How a finished run ended and what it printed.
#[derive(Debug)]
pub struct Outcome {
    /// The exit code; `None` if a signal ended it.
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `exe` with `args` (stdin empty) and waits for it to exit by itself.
///
/// Past `limit` it kills the process, reaps it and panics, so a hang fails the test
/// instead of stalling it forever.
pub fn run_within(exe: &str, args: &[&str], limit: Duration) -> Outcome {
    let mut cmd = Command::new(exe);
    cmd.args(args);
    command_within(cmd, limit)
}

/// As [`run_within`], for a command the caller set up (environment, working directory).
/// Its stdout and stderr are piped and its stdin is empty.
pub fn command_within(cmd: Command, limit: Duration) -> Outcome {
    command_within_then(cmd, limit, false, None, &|_| {})
}

/// As [`run_within`], with `input` written to the program's stdin (then end-of-file), and
/// at most `cap` bytes kept of its stdout and of its stderr, read as UTF-8 with anything
/// else replaced: a program that wrote for ever would then block, and the limit ends it.
pub fn run_with_input(
    exe: &str,
    args: &[&str],
    input: &[u8],
    cap: u64,
    limit: Duration,
) -> Outcome {
    let mut cmd = Command::new(exe);
    cmd.args(args);
    command_within_then(cmd, limit, false, Some((input, cap)), &|_| {})
}

/// As [`command_within`], in a process group of its own when `own_group` (killed as a
/// whole at the limit), calling `exited` with the child's PID once it has exited, before
/// its output is read to the end (a process it left behind may still hold the pipes
/// open). With `input_and_cap`, as [`run_with_input`]. Runs on [`group::run`], the
/// workspace's one runner; past `limit` it kills, reaps and panics.
fn command_within_then(
    cmd: Command,
    limit: Duration,
    own_group: bool,
    input_and_cap: Option<(&[u8], u64)>,
    exited: &dyn Fn(u32),
) -> Outcome {
    let what = describe(&cmd);
    let limits = group::Limits {
        limit,
        own_group,
        input: input_and_cap.map(|(input, _)| input.to_vec()),
        cap: input_and_cap.map(|(_, cap)| cap),
        exited,
        ..group::Limits::default()
    };
    let run = group::run(cmd, &limits).unwrap_or_else(|e| panic!("{what} does not start: {e}"));
    if run.timed_out {
        panic!(
            "{what} still running after {limit:?}: killed and reaped ({:?})",
            run.status
        );
    }
    let text = |bytes: Vec<u8>, name: &str| match input_and_cap {
        Some(_) => String::from_utf8_lossy(&bytes).into_owned(),
        None => String::from_utf8(bytes)
            .unwrap_or_else(|_| panic!("{what}: its {name} is not UTF-8 (the demo prints UTF-8)")),
    };
    Outcome {
        code: run.status.and_then(|s| s.code()),
        stdout: text(run.stdout, "stdout"),
        stderr: text(run.stderr, "stderr"),
    }
}

/// As [`run_within`], and then checks that the program left no process behind: it runs
/// in a process group of its own, which every process it starts inherits, and once it
/// has exited no process of that group may remain (Linux, where `/proc` tells; elsewhere
/// only the run is checked). A process left behind is killed, then the test fails.
pub fn run_leaving_nothing(exe: &str, args: &[&str], limit: Duration) -> Outcome {
    let mut cmd = Command::new(exe);
    cmd.args(args);
    let left = std::cell::RefCell::new(Vec::new());
    let out = command_within_then(cmd, limit, true, None, &|pgid| {
        // Checked as soon as the program has exited, before its output is read to the
        // end: a process it left behind may hold the pipes open. A child that was just
        // killed by its parent may take a moment to vanish.
        let deadline = Instant::now() + Duration::from_secs(5);
        let mut members = group_members(pgid);
        while !members.is_empty() && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(50));
            members = group_members(pgid);
        }
        if !members.is_empty() {
            #[cfg(unix)]
            group::kill_group(pgid, nix::sys::signal::Signal::SIGKILL);
        }
        *left.borrow_mut() = members;
    });
    let left = left.into_inner();
    assert!(
        left.is_empty(),
        "{exe} {args:?} exited but left processes {left:?} running: {out:?}"
    );
    out
}

/// The PIDs of the live processes (zombies aside) in process group `pgid`.
pub fn group_members(pgid: u32) -> Vec<u32> {
    let pgid = pgid.to_string();
    live_processes()
        .into_iter()
        .filter(|(_, fields)| fields.get(2) == Some(&pgid))
        .map(|(pid, _)| pid)
        .collect()
}

/// Every live process (zombies aside): its PID and the fields of its `/proc/PID/stat`
/// after the command name in parentheses (state, ppid, pgrp, ...). Empty where there is
/// no `/proc`.
pub fn live_processes() -> Vec<(u32, Vec<String>)> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let mut processes = Vec::new();
    for entry in entries.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r) else {
            continue;
        };
        let fields: Vec<String> = rest.split_whitespace().map(String::from).collect();
        if fields.first().is_some_and(|state| state != "Z") {
            processes.push((pid, fields));
        }
    }
    processes
}

/// `program [args...]` with the program's file name only, for messages.
fn describe(cmd: &Command) -> String {
    let program = Path::new(cmd.get_program());
    let name = program.file_name().unwrap_or(program.as_os_str());
    let args: Vec<_> = cmd.get_args().collect();
    format!("{} {args:?}", name.to_string_lossy())
}

/// Checks that `exe args` is refused as a usage error: exit code 1, nothing on stdout and
/// exactly one line on stderr, starting `error: `. Returns that stderr (with its newline)
/// for further checks.
pub fn assert_usage_error(exe: &str, args: &[&str]) -> String {
    let out = run_within(exe, args, QUICK_LIMIT);
    assert_eq!(out.code, Some(1), "{args:?} should exit 1: {out:?}");
    assert!(out.stdout.is_empty(), "{args:?} printed on stdout: {out:?}");
    assert_eq!(
        out.stderr.lines().count(),
        1,
        "{args:?} should give one stderr line: {out:?}"
    );
    assert!(
        out.stderr.starts_with("error: "),
        "{args:?} should say `error: `: {out:?}"
    );
    out.stderr
}

/// Checks that `exe` given one argument that is not UTF-8 (the byte 0xff, as `$'\xff'` in a
/// shell) refuses it with exit `code` and `message` on stderr, prints nothing on stdout and
/// does not panic: a program that reads `std::env::args()` panics there.
#[cfg(unix)]
pub fn assert_refuses_non_utf8_argument(exe: &str, code: i32, message: &str) {
    use std::os::unix::ffi::OsStrExt;
    let mut cmd = Command::new(exe);
    cmd.arg(std::ffi::OsStr::from_bytes(b"\xff"));
    let out = command_within(cmd, QUICK_LIMIT);
    assert_eq!(out.code, Some(code), "{out:?}");
    assert!(
        out.stdout.is_empty() && !out.stderr.contains("panicked"),
        "{out:?}"
    );
    assert!(out.stderr.contains(message), "no {message:?} in {out:?}");
}

/// Checks that `exe --help` and `exe -h` both exit 0 and print the same non-empty usage
/// text on stdout. Returns that text for further checks.
pub fn assert_help(exe: &str) -> String {
    let long = run_within(exe, &["--help"], QUICK_LIMIT);
    assert_eq!(long.code, Some(0), "--help should exit 0: {long:?}");
    assert!(!long.stdout.trim().is_empty(), "--help printed nothing");
    let short = run_within(exe, &["-h"], QUICK_LIMIT);
    assert_eq!(short.code, Some(0), "-h should exit 0: {short:?}");
    assert_eq!(short.stdout, long.stdout, "-h and --help differ");
    long.stdout
}

/// The first line of `text` that starts with `prefix`.
pub fn line<'a>(text: &'a str, prefix: &str) -> &'a str {
    text.lines()
        .find(|l| l.starts_with(prefix))
        .unwrap_or_else(|| panic!("no line starting with {prefix:?} in:\n{text}"))
}

/// The rest of the first line of `text` that starts with `prefix`.
pub fn line_after<'a>(text: &'a str, prefix: &str) -> &'a str {
    &line(text, prefix)[prefix.len()..]
}

/// The whole number (an optional `-`, then digits) right after `prefix` on the first line
/// of `text` that starts with `prefix`.
pub fn number_after<T: FromStr>(text: &str, prefix: &str) -> T {
    let rest = line_after(text, prefix);
    let sign = usize::from(rest.starts_with('-'));
    let end = rest[sign..]
        .find(|c: char| !c.is_ascii_digit())
        .map_or(rest.len(), |i| sign + i);
    rest[..end]
        .parse()
        .unwrap_or_else(|_| panic!("no number after {prefix:?} in {:?}", line(text, prefix)))
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn a_process_left_behind_fails_the_check_and_is_killed() {
        let clean = run_leaving_nothing("sh", &["-c", "true"], Duration::from_secs(30));
        assert_eq!(clean.code, Some(0));
        let left = std::panic::catch_unwind(|| {
            run_leaving_nothing("sh", &["-c", "sleep 60 &"], QUICK_LIMIT)
        });
        let message = *left
            .expect_err("a background sleep must fail the check")
            .downcast::<String>()
            .unwrap();
        assert!(message.contains("left processes"), "{message}");
    }

    #[test]
    fn the_input_reaches_the_program_and_only_cap_bytes_of_its_output_are_kept() {
        let out = run_with_input("cat", &[], b"abc", 2, QUICK_LIMIT);
        assert_eq!((out.code, out.stdout.as_str()), (Some(0), "ab"));
    }

    #[test]
    fn a_program_past_its_limit_is_killed_with_its_group() {
        // Durations no other program is likely to be sleeping for.
        let script = "sleep 119.71 & exec sleep 119.72";
        let hung = std::panic::catch_unwind(|| {
            run_leaving_nothing("sh", &["-c", script], Duration::from_secs(1))
        });
        assert!(hung.is_err(), "a hung program must fail the run");
        thread::sleep(Duration::from_millis(300));
        let survivors: Vec<String> = std::fs::read_dir("/proc")
            .expect("/proc")
            .flatten()
            .filter_map(|e| std::fs::read(e.path().join("cmdline")).ok())
            .map(|c| String::from_utf8_lossy(&c).replace('\0', " "))
            .filter(|c| c.starts_with("sleep 119.71"))
            .collect();
        assert!(survivors.is_empty(), "left running: {survivors:?}");
    }
}

/// Whether this process was started with SIGINT ignored, as a command started in the
/// background of a non-interactive shell is. Its children then inherit the ignored
/// SIGINT, and a shell or Python program cannot catch it, so a Ctrl-C test has to say it
/// skipped instead of failing (Linux, where `/proc` tells; elsewhere `false`).
pub fn sigint_ignored() -> bool {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("SigIgn:"))
        .and_then(|mask| u64::from_str_radix(mask.trim(), 16).ok())
        .is_some_and(|mask| mask & (1 << (2 - 1)) != 0)
}
