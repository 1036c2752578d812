//! Runs the Python scripts of bench/python/ as child processes and reads their JSON.

use crate::row::{Cell, Row};
use crate::stats::{Fig, Scale};
use serde_json::Value;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

/// The longest a bench script may run before it is stopped.
const SCRIPT_DEADLINE: Duration = Duration::from_secs(600);

/// A group's Python side: a script compiled into the binary (so it runs from anywhere),
/// written to a temporary directory before its first run (multiprocessing's spawn needs a
/// real file to import).
pub struct Script {
    pub name: &'static str,
    pub text: &'static str,
}

/// Imported by every script: the timing loop and the JSON they print.
const MEASURE: Script = Script {
    name: "measure.py",
    text: include_str!("../python/measure.py"),
};

pub struct Python {
    exe: String,
    dir: PathBuf,
    /// "Python 3.11.7"
    pub version: String,
    /// The build's short name: "3.11", or "3.14t" for a free-threaded build.
    pub build: String,
    /// Whether concurrent.futures.InterpreterPoolExecutor exists (Python 3.14 and later).
    pub subinterpreters: bool,
    /// Built without the GIL.
    pub free_threaded: bool,
}

/// One Python build of the run, found or not.
pub struct Build {
    pub name: String,
    /// Built without the GIL (3.14t): its threads run Python code in parallel.
    pub free_threaded: bool,
    pub python: Result<Python, String>,
}

/// Where the project builds its Python 3.14 and 3.14t (`--print` lists those built).
const PYTHON_SH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/python.sh");

/// The builds measured beside python3 by the groups that compare builds: those BENCH_PYTHON
/// names after its first (colon-separated), or else the project's 3.14 and 3.14t, each found
/// or saying that it is not built.
pub fn other_builds() -> Vec<Build> {
    if let Ok(list) = std::env::var("BENCH_PYTHON") {
        return list
            .split(':')
            .skip(1)
            .filter(|n| !n.is_empty())
            .map(|named| match Python::at(named) {
                Ok(py) => Build {
                    name: py.build.clone(),
                    free_threaded: py.free_threaded,
                    python: Ok(py),
                },
                Err(why) => Build {
                    name: named.to_string(),
                    free_threaded: false,
                    python: Err(why),
                },
            })
            .collect();
    }
    let printed = Command::new(PYTHON_SH)
        .arg("--print")
        .stdin(Stdio::null())
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    let mut found: Vec<Python> = printed
        .lines()
        .filter_map(|l| Python::at(l.trim()).ok())
        .collect();
    [("3.14", false), ("3.14t", true)]
        .into_iter()
        .map(|(name, free_threaded)| {
            let python = match found
                .iter()
                .position(|p| (p.subinterpreters, p.free_threaded) == (true, free_threaded))
            {
                Some(i) => Ok(found.remove(i)),
                None => Err(format!(
                    "Python {name} is not built here (scripts/python.sh builds it)"
                )),
            };
            Build {
                name: name.to_string(),
                free_threaded,
                python,
            }
        })
        .collect()
}

impl Python {
    /// Finds `python3` (or the first interpreter BENCH_PYTHON names) and writes the scripts
    /// out.
    pub fn find() -> Result<Python, String> {
        let named = std::env::var("BENCH_PYTHON").unwrap_or_else(|_| "python3".to_string());
        Python::at(named.split(':').next().unwrap_or("python3"))
    }

    /// The interpreter `named`. Every run then starts the interpreter's own file
    /// (sys.executable): `python3` on the PATH may be a wrapper script (pyenv's shims are
    /// bash), which costs tens of milliseconds and a dozen processes at every start.
    pub fn at(named: &str) -> Result<Python, String> {
        let out = Command::new(named)
            .args([
                "-c",
                "import sys, platform, sysconfig; print(sys.executable); \
                 print(platform.python_version()); \
                 print(int(bool(sysconfig.get_config_var('Py_GIL_DISABLED'))))",
            ])
            .output()
            .map_err(|e| format!("{named} not found ({e})"))?;
        if !out.status.success() {
            return Err(format!("{named} does not run Python 3"));
        }
        let text = String::from_utf8_lossy(&out.stdout);
        let mut lines = text.lines();
        let exe = match lines.next() {
            Some(path) if !path.is_empty() => path.to_string(),
            _ => named.to_string(), // sys.executable can be empty when Python cannot tell
        };
        let number = lines.next().unwrap_or("?").to_string();
        let free_threaded = lines.next() == Some("1");
        let minor: Vec<u32> = number
            .split('.')
            .take(2)
            .filter_map(|n| n.parse().ok())
            .collect();
        let build = format!(
            "{}{}",
            number.split('.').take(2).collect::<Vec<_>>().join("."),
            if free_threaded { "t" } else { "" }
        );
        let subinterpreters = minor.len() == 2 && (minor[0], minor[1]) >= (3, 14);
        // One directory per Python found: a second one in the same process (the tests find
        // one each) must not remove the first one's scripts when it is dropped.
        static FOUND: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = FOUND.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("bench-python-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
        let py = Python {
            exe,
            dir,
            version: format!("Python {number}"),
            build,
            subinterpreters,
            free_threaded,
        };
        py.write(&MEASURE)?;
        Ok(py)
    }

    /// Writes `script` into this interpreter's directory, unless it is there already.
    fn write(&self, script: &Script) -> Result<PathBuf, String> {
        let path = self.dir.join(script.name);
        if !path.exists() {
            std::fs::write(&path, script.text)
                .map_err(|e| format!("writing {}: {e}", path.display()))?;
        }
        Ok(path)
    }

    pub fn run(&self, script: &Script, args: &[String]) -> Result<Value, String> {
        self.run_within(script, args, SCRIPT_DEADLINE)
    }

    fn run_within(
        &self,
        script: &Script,
        args: &[String],
        deadline: Duration,
    ) -> Result<Value, String> {
        let path = self.write(script)?;
        let script = script.name;
        // Nothing is read from its stdin: a script never waits on the terminal.
        let child = Command::new(&self.exe)
            .arg(path)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("starting {script}: {e}"))?;
        // A script that hangs (a queue's producer that died, say) is stopped at a deadline
        // far beyond the longest run (a million asyncio tasks: under a minute).
        let pid = child.id();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || tx.send(child.wait_with_output()));
        let out = match rx.recv_timeout(deadline) {
            Ok(out) => out.map_err(|e| format!("waiting for {script}: {e}"))?,
            Err(_) => {
                #[cfg(unix)]
                if let Ok(pid) = i32::try_from(pid) {
                    let pid = nix::unistd::Pid::from_raw(pid);
                    let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGKILL);
                }
                #[cfg(not(unix))]
                let _ = pid;
                // The waiting thread reaps it once it has died.
                return Err(format!(
                    "{script} {} still ran after {} s and was stopped",
                    args.join(" "),
                    deadline.as_secs_f64()
                ));
            }
        };
        if !out.status.success() {
            let err = String::from_utf8_lossy(&out.stderr);
            let last = err.lines().last().unwrap_or("no message");
            return Err(format!("{script} {} failed: {last}", args.join(" ")));
        }
        serde_json::from_slice(&out.stdout).map_err(|e| format!("{script} printed bad JSON: {e}"))
    }
}

impl Drop for Python {
    fn drop(&mut self) {
        // Best effort: a temp file left behind is harmless, so a failure is not reported.
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Fills a row's Python side from a script's output (see `half`); for scripts that measure
/// several rows in one process, each row gets its own part of the output.
pub fn fill(
    row: &mut Row,
    label: &str,
    out: Result<Value, String>,
    scale: Scale,
    same_input: bool,
) {
    row.python_variant = Some(label.to_string());
    match out {
        Ok(v) => {
            let samples: Vec<f64> = v["samples"]
                .as_array()
                .map(|a| a.iter().filter_map(Value::as_f64).collect())
                .unwrap_or_default();
            if samples.is_empty() {
                row.python = Cell::Na;
                row.notes.push("Python: no samples in its output".into());
            } else {
                row.python = Cell::Fig(Fig::from_secs(scale, &samples));
            }
            row.python_answer = v["answer"].clone();
            if same_input {
                row.compare_answers();
            }
        }
        Err(why) => {
            row.python = Cell::Na;
            row.notes.push(format!("Python: {why}"));
        }
    }
}

#[cfg(test)]
pub mod tests {
    use super::*;

    /// A script that sleeps as long as asked, or prints its arguments back as its answer.
    pub const ECHO: Script = Script {
        name: "echo.py",
        text: "import json, sys, time\n\
               if sys.argv[1] == 'sleep':\n    time.sleep(float(sys.argv[2]))\n\
               print(json.dumps({'answer': int(sys.argv[2]), 'samples': [0.5]}))\n",
    };

    #[test]
    fn python_is_started_as_the_interpreters_own_file() {
        let Ok(py) = Python::find() else {
            eprintln!("skipped: no python3 here");
            return;
        };
        // Not `python3` looked up on the PATH at every start: sys.executable, a real file.
        let exe = std::path::Path::new(&py.exe);
        assert!(exe.is_absolute() && exe.is_file(), "{}", py.exe);
    }

    #[test]
    fn a_script_that_runs_past_its_deadline_is_stopped() {
        let Ok(py) = Python::find() else {
            eprintln!("skipped: no python3 here");
            return;
        };
        // A sleep of a minute, stopped after a fifth of a second.
        let args = ["sleep".to_string(), "60".to_string()];
        let start = std::time::Instant::now();
        let err = py
            .run_within(&ECHO, &args, Duration::from_millis(200))
            .expect_err("the script cannot finish in time");
        assert!(
            err.contains("still ran after 0.2 s and was stopped"),
            "{err}"
        );
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "{:?}",
            start.elapsed()
        );
    }
}
