//! Running a program's Python twin beside it and comparing the two outputs line by line.
//!
//! A twin is `<crate dir>/<program name with underscores>.py`. Its lines are the Rust
//! program's lines in the same words; only numbers differ (PIDs, times, counts), so the
//! comparison replaces every number by `N` first.
//!
//! Every twin runs on every CPython here: `python3` on PATH, and the CPython 3.14 and
//! free-threaded 3.14t that `scripts/python.sh` builds. A test says `skipped:` for each one
//! that is absent, so a run that checked fewer interpreters says so. The Rust program runs
//! once per test; the twin once per interpreter, one interpreter after another (some twins
//! measure CPU time or a race), and a multiprocessing twin under each of its start methods.

use std::fmt;
use std::io::Write;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

use crate::{Outcome, command_within};

/// How multiprocessing starts a process. Every twin that starts processes with it takes
/// the method from the environment variable [`START_METHOD_VAR`] and names it in a line
/// of its own, `Python's multiprocessing start method: METHOD`.
pub const START_METHODS: [&str; 3] = ["fork", "forkserver", "spawn"];

/// The environment variable a multiprocessing twin takes its start method from.
pub const START_METHOD_VAR: &str = "MP_START_METHOD";

/// The builds besides `python3` that the twins are checked on: what `scripts/python.sh`
/// builds, each with its version and whether it is free-threaded.
const BUILT: [(&str, (u32, u32), bool); 2] = [("3.14", (3, 14), false), ("3.14t", (3, 14), true)];

/// What an interpreter says of itself: `sys.version_info`, whether it was built
/// free-threaded, and whether its GIL is on (`sys._is_gil_enabled()`, new in 3.13).
const DESCRIBE: &str = "import sys, sysconfig
gil = getattr(sys, '_is_gil_enabled', lambda: True)()
print(*sys.version_info[:3], int(bool(sysconfig.get_config_var('Py_GIL_DISABLED'))), int(gil))";

/// One CPython the twins run on, as it describes itself.
#[derive(Debug)]
pub struct Python {
    /// How it is started: `python3`, or the path `scripts/python.sh --print` gave.
    pub program: String,
    /// `sys.version_info`'s major, minor and micro.
    pub version: (u32, u32, u32),
    /// Built with `--disable-gil` (`Py_GIL_DISABLED`), as python3.14t is.
    pub free_threaded: bool,
    /// Whether its GIL is on when it starts: always before 3.13, and on a free-threaded
    /// build only when asked for (`PYTHON_GIL=1`). An extension module not made for a
    /// free-threaded build turns it on when imported.
    pub gil: bool,
}

impl Python {
    /// Whether this is Python `major.minor` or later.
    pub fn at_least(&self, major: u32, minor: u32) -> bool {
        (self.version.0, self.version.1) >= (major, minor)
    }

    /// The line a twin that depends on the GIL prints first, naming the build it runs on:
    /// `Python 3.11.7, with the GIL` or `Python 3.14.7, free-threaded: no GIL`.
    pub fn build_line(&self) -> String {
        let (major, minor, micro) = self.version;
        let build = if self.gil {
            "with the GIL"
        } else {
            "free-threaded: no GIL"
        };
        format!("Python {major}.{minor}.{micro}, {build}")
    }

    /// A command that runs the twin `script_name` of the crate at `crate_dir` with this
    /// interpreter, in that directory, writing no bytecode (the source tree stays clean),
    /// with multiprocessing's start method `method` or, with `None`, the interpreter's own.
    pub fn command(&self, crate_dir: &str, script_name: &str, method: Option<&str>) -> Command {
        let mut cmd = Command::new(&self.program);
        cmd.arg(script(crate_dir, script_name))
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .current_dir(crate_dir);
        match method {
            Some(method) => cmd.env(START_METHOD_VAR, method),
            None => cmd.env_remove(START_METHOD_VAR),
        };
        cmd
    }

    /// The first of `modules` this interpreter cannot import, if any.
    fn lacks(&self, modules: &[&str]) -> Option<String> {
        if modules.is_empty() {
            return None;
        }
        let find = "import importlib.util as u, sys
print(*(m for m in sys.argv[1:] if u.find_spec(m) is None))";
        let out = Command::new(&self.program)
            .args(["-c", find])
            .args(modules)
            .stderr(Stdio::null())
            .output();
        match out {
            Ok(out) if out.status.success() => String::from_utf8_lossy(&out.stdout)
                .split_whitespace()
                .next()
                .map(String::from),
            _ => Some(modules[0].to_string()),
        }
    }
}

impl fmt::Display for Python {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (major, minor, micro) = self.version;
        let t = if self.free_threaded {
            " free-threaded"
        } else {
            ""
        };
        write!(f, "CPython {major}.{minor}.{micro}{t} ({})", self.program)
    }
}

/// The interpreters found, and a sentence for each one wanted but absent.
struct Found {
    pythons: Vec<Python>,
    absent: Vec<String>,
}

/// Looks for the interpreters once per test binary: `python3` on PATH, then each path
/// `scripts/python.sh --print` prints (run with bash from the workspace root).
fn found() -> &'static Found {
    static FOUND: OnceLock<Found> = OnceLock::new();
    FOUND.get_or_init(|| {
        let mut found = Found {
            pythons: Vec::new(),
            absent: Vec::new(),
        };
        match describe("python3") {
            Ok(python) => found.pythons.push(python),
            Err(_) => found.absent.push("no python3 on PATH".into()),
        }
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let printed = Command::new("bash")
            .arg(root.join("scripts/python.sh"))
            .arg("--print")
            .current_dir(&root)
            .stderr(Stdio::null())
            .output()
            .map(|out| String::from_utf8_lossy(&out.stdout).into_owned())
            .unwrap_or_default();
        let mut built = Vec::new();
        for path in printed.lines().filter(|l| !l.trim().is_empty()) {
            match describe(path) {
                Ok(python) => built.push(python),
                Err(why) => found.absent.push(format!("{path} does not run: {why}")),
            }
        }
        for (name, (major, minor), free_threaded) in BUILT {
            let at = built.iter().position(|p| {
                (p.version.0, p.version.1) == (major, minor) && p.free_threaded == free_threaded
            });
            match at {
                Some(at) => found.pythons.push(built.remove(at)),
                None => found.absent.push(format!(
                    "no CPython {name} here (scripts/python.sh builds it)"
                )),
            }
        }
        found
    })
}

/// Starts `program` and asks what it is.
fn describe(program: &str) -> Result<Python, String> {
    let out = Command::new(program)
        .args(["-c", DESCRIBE])
        .stdin(Stdio::null())
        .output()
        .map_err(|e| e.to_string())?;
    let said = String::from_utf8_lossy(&out.stdout);
    let numbers: Vec<u32> = said
        .split_whitespace()
        .map_while(|n| n.parse().ok())
        .collect();
    match (out.status.success(), &numbers[..]) {
        (true, &[major, minor, micro, free_threaded, gil]) => Ok(Python {
            program: program.to_string(),
            version: (major, minor, micro),
            free_threaded: free_threaded == 1,
            gil: gil == 1,
        }),
        _ => Err(format!(
            "{}: {said}{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        )),
    }
}

/// Every interpreter present that can import `modules`, after saying for each other one
/// why `test` skips it: absent (`no CPython 3.14t here ...`) or missing a module.
pub fn pythons(test: &str, modules: &[&str]) -> Vec<&'static Python> {
    let found = found();
    for why in &found.absent {
        skip(test, why);
    }
    let mut usable = Vec::new();
    for python in &found.pythons {
        match python.lacks(modules) {
            Some(module) => skip(
                test,
                &format!(
                    "{python} has no {module} ({} -m pip install {module})",
                    python.program
                ),
            ),
            None => usable.push(python),
        }
    }
    usable
}

/// A twin's run on one interpreter.
#[derive(Debug)]
pub struct Run {
    pub python: &'static Python,
    /// The start method asked for through [`START_METHOD_VAR`], if any.
    pub method: Option<&'static str>,
    pub out: Outcome,
}

impl Run {
    /// The run's stdout without its first line, which must be the twin's own line naming
    /// the start method asked for: `Python's multiprocessing start method: METHOD`.
    pub fn without_start_method(&self) -> String {
        let method = self.method.expect("a run with a start method asked for");
        let (first, rest) = self.out.stdout.split_once('\n').unwrap_or_default();
        assert_eq!(
            first,
            format!("Python's multiprocessing start method: {method}"),
            "{}",
            self.out.stdout
        );
        rest.to_string()
    }
}

impl fmt::Display for Run {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "on {}", self.python)?;
        match self.method {
            Some(method) => write!(f, " with {START_METHOD_VAR}={method}"),
            None => Ok(()),
        }
    }
}

/// Calls `check` on each run in turn; when a check fails, the failure names the run's
/// interpreter (and start method).
pub fn each(runs: &[Run], mut check: impl FnMut(&Run)) {
    for run in runs {
        if let Err(failure) = catch_unwind(AssertUnwindSafe(|| check(run))) {
            let why = failure
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| failure.downcast_ref::<&str>().map(|s| s.to_string()));
            match why {
                Some(why) => panic!("{run}: {why}"),
                None => resume_unwind(failure),
            }
        }
    }
}

/// Says on stderr that a test skipped its check and why. It writes to the stderr handle
/// directly, past the test harness's capture, so the line shows in every `cargo test` run.
pub fn skip(test: &str, why: &str) {
    let _ = writeln!(std::io::stderr(), "skipped: {test}: {why}");
}

/// Why `python3` on PATH cannot run a script that imports `modules` (it is missing, or one
/// of `modules` is), or `None` when it can. For checks that need one Python, not the twins.
pub fn missing(modules: &[&str]) -> Option<String> {
    let python = found().pythons.iter().find(|p| p.program == "python3");
    let Some(python) = python else {
        return Some("no python3 on PATH".into());
    };
    python
        .lacks(modules)
        .map(|module| format!("python3 has no {module} (pip install {module})"))
}

/// The path of the twin `script` in the crate whose manifest dir is `crate_dir`
/// (pass `env!("CARGO_MANIFEST_DIR")`). Panics if the file is not there.
pub fn script(crate_dir: &str, script: &str) -> PathBuf {
    let path = Path::new(crate_dir).join(script);
    assert!(path.is_file(), "no Python twin at {}", path.display());
    path
}

/// Runs the twin `script_name` of the crate at `crate_dir` with `args` under `limit` on
/// each interpreter that [`pythons`] gives for `modules`, one after another. Empty, after
/// saying why, when none can run it.
pub fn run(
    test: &str,
    crate_dir: &str,
    script_name: &str,
    args: &[&str],
    modules: &[&str],
    limit: Duration,
) -> Vec<Run> {
    script(crate_dir, script_name);
    let mut runs = Vec::new();
    for python in pythons(test, modules) {
        let mut cmd = python.command(crate_dir, script_name, None);
        cmd.args(args);
        let out = command_within(cmd, limit);
        runs.push(Run {
            python,
            method: None,
            out,
        });
    }
    runs
}

/// Runs the twin `script` of the crate at `crate_dir` as [`run`] does, with no arguments,
/// then the Rust program `exe` once with `run_rust` ([`crate::run_within`], or
/// [`crate::run_leaving_nothing`] for a program that starts processes), and checks that
/// every run exits 0. Returns the Rust program's outcome and the twin's runs, or `None`
/// when no interpreter can run the twin (after saying why).
pub fn run_both(
    test: &str,
    crate_dir: &str,
    script: &str,
    modules: &[&str],
    exe: &str,
    run_rust: fn(&str, &[&str], Duration) -> Outcome,
    limit: Duration,
) -> Option<(Outcome, Vec<Run>)> {
    let runs = run(test, crate_dir, script, &[], modules, limit);
    with_rust(runs, exe, run_rust, limit)
}

/// As [`run_both`], for a twin that starts processes with multiprocessing: it runs on
/// each interpreter under each of the [`START_METHODS`], the three at once.
pub fn run_both_methods(
    test: &str,
    crate_dir: &str,
    script_name: &str,
    exe: &str,
    run_rust: fn(&str, &[&str], Duration) -> Outcome,
    limit: Duration,
) -> Option<(Outcome, Vec<Run>)> {
    script(crate_dir, script_name);
    let mut runs = Vec::new();
    for python in pythons(test, &[]) {
        // The three runs of one interpreter at once: they wait more than they compute, and
        // none of these twins measures time.
        std::thread::scope(|scope| {
            let started = START_METHODS.map(|method| {
                let cmd = python.command(crate_dir, script_name, Some(method));
                (method, scope.spawn(move || command_within(cmd, limit)))
            });
            for (method, run) in started {
                let out = run.join().unwrap_or_else(|e| resume_unwind(e));
                runs.push(Run {
                    python,
                    method: Some(method),
                    out,
                });
            }
        });
    }
    with_rust(runs, exe, run_rust, limit)
}

/// Checks that every run exited 0, then runs the Rust program once: see [`run_both`].
fn with_rust(
    runs: Vec<Run>,
    exe: &str,
    run_rust: fn(&str, &[&str], Duration) -> Outcome,
    limit: Duration,
) -> Option<(Outcome, Vec<Run>)> {
    if runs.is_empty() {
        return None;
    }
    each(&runs, |run| {
        assert_eq!(run.out.code, Some(0), "{:?}", run.out)
    });
    let rust = run_rust(exe, &[], limit);
    assert_eq!(rust.code, Some(0), "{rust:?}");
    Some((rust, runs))
}

/// `text` without its lines that are exactly `line`, each kept line ending in a newline:
/// for a twin whose one line of its own says what Python does instead.
pub fn without_line(text: &str, line: &str) -> String {
    text.lines()
        .filter(|l| *l != line)
        .map(|l| format!("{l}\n"))
        .collect()
}

/// `text` with its one line that is exactly `own` replaced by `program`, each line ending in
/// a newline: for a line the twin says in Python's words where its program says it in
/// Rust's. Panics unless `own` is there exactly once, so the twin's own line is checked too.
pub fn in_program_words(text: &str, own: &str, program: &str) -> String {
    let found = text.lines().filter(|l| *l == own).count();
    assert_eq!(found, 1, "{own:?} should be there once in:\n{text}");
    text.lines()
        .map(|l| if l == own { program } else { l })
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

    #[test]
    fn the_twins_own_line_is_replaced_once_and_must_be_there_once() {
        let text = "a 1\nPython says\nb 2\n";
        assert_eq!(
            in_program_words(text, "Python says", "Rust says"),
            "a 1\nRust says\nb 2\n"
        );
        for text in ["a 1\n", "Python says\nPython says\n"] {
            let wrong = std::panic::catch_unwind(|| in_program_words(text, "Python says", "x"));
            assert!(wrong.is_err(), "{text:?} must fail");
        }
    }

    #[test]
    fn the_start_method_line_is_checked_and_removed() {
        static PYTHON: Python = Python {
            program: String::new(),
            version: (3, 14, 7),
            free_threaded: false,
            gil: true,
        };
        let run = |stdout: &str| Run {
            python: &PYTHON,
            method: Some("spawn"),
            out: Outcome {
                code: Some(0),
                stdout: stdout.into(),
                stderr: String::new(),
            },
        };
        let right = "Python's multiprocessing start method: spawn\nParent process 1.\n";
        assert_eq!(run(right).without_start_method(), "Parent process 1.\n");
        for wrong in [
            "Python's multiprocessing start method: fork\nParent process 1.\n",
            "Parent process 1.\nPython's multiprocessing start method: spawn\n",
        ] {
            let failed = std::panic::catch_unwind(|| run(wrong).without_start_method());
            assert!(failed.is_err(), "{wrong:?} must fail");
        }
    }

    #[test]
    fn a_failed_check_names_the_interpreter() {
        static PYTHON: Python = Python {
            program: String::new(),
            version: (3, 14, 7),
            free_threaded: true,
            gil: false,
        };
        let runs = [Run {
            python: &PYTHON,
            method: Some("fork"),
            out: Outcome {
                code: Some(0),
                stdout: String::new(),
                stderr: String::new(),
            },
        }];
        let failed = std::panic::catch_unwind(|| each(&runs, |_| panic!("the fact")));
        let message = *failed.expect_err("must fail").downcast::<String>().unwrap();
        assert_eq!(
            message,
            "on CPython 3.14.7 free-threaded () with MP_START_METHOD=fork: the fact"
        );
        assert_eq!(PYTHON.build_line(), "Python 3.14.7, free-threaded: no GIL");
    }
}
