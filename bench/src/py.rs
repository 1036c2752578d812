//! Runs the Python scripts of bench/python/ as child processes and reads their JSON.

use serde_json::Value;
use std::path::PathBuf;
use std::process::Command;

/// The scripts are compiled into the binary, so it runs from anywhere; they are written to a
/// temporary directory for the run (multiprocessing's spawn needs a real file to import).
const SCRIPTS: [(&str, &str); 6] = [
    ("cpu.py", include_str!("../python/cpu.py")),
    ("io.py", include_str!("../python/io.py")),
    ("spawn.py", include_str!("../python/spawn.py")),
    ("ipc.py", include_str!("../python/ipc.py")),
    ("locks.py", include_str!("../python/locks.py")),
    // Imported by the others: the timing loop and the JSON they print.
    ("measure.py", include_str!("../python/measure.py")),
];

pub struct Python {
    exe: String,
    dir: PathBuf,
    pub version: String,
}

impl Python {
    /// Finds `python3` (or the interpreter named by BENCH_PYTHON) and writes the scripts out.
    pub fn find() -> Result<Python, String> {
        let exe = std::env::var("BENCH_PYTHON").unwrap_or_else(|_| "python3".to_string());
        let out = Command::new(&exe)
            .arg("--version")
            .output()
            .map_err(|e| format!("{exe} not found ({e})"))?;
        if !out.status.success() {
            return Err(format!("{exe} --version failed"));
        }
        // Python 3.11 prints its version on stdout; very old ones printed it on stderr.
        let text = [out.stdout, out.stderr].concat();
        let version = String::from_utf8_lossy(&text).trim().to_string();
        let dir = std::env::temp_dir().join(format!("bench-python-{}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
        let py = Python { exe, dir, version };
        for (name, text) in SCRIPTS {
            let path = py.dir.join(name);
            std::fs::write(&path, text).map_err(|e| format!("writing {}: {e}", path.display()))?;
        }
        Ok(py)
    }

    pub fn run(&self, script: &str, args: &[String]) -> Result<Value, String> {
        let out = Command::new(&self.exe)
            .arg(self.dir.join(script))
            .args(args)
            .output()
            .map_err(|e| format!("starting {script}: {e}"))?;
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
