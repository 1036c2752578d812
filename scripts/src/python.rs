//! The Python interpreters the twins run on: the ones named with `--interpreter`, else
//! `$PYTHON` or `python3`; with `--all-interpreters`, python3 and every interpreter that
//! `scripts/python.sh --print` names. Each is asked its version and build once.

use std::collections::HashMap;
use std::path::Path;
use std::process::{Command, Stdio};

use testkit::programs::Program;

pub struct Python {
    /// The command as given (a relative path made absolute), what runs the twin.
    pub command: String,
    /// What the command is called in a table or file name: `python3`, `python3.14t`.
    pub name: String,
    /// Its version and build, e.g. `3.14t` (`t`: free-threaded), or why it cannot run.
    pub version: Result<String, String>,
    pub major_minor: (u32, u32),
    modules: HashMap<String, bool>,
}

impl Python {
    /// Asks `command` its version. A relative path with a `/` is made absolute, since a
    /// twin runs in its crate's directory.
    pub fn probe(command: &str) -> Python {
        let command = if command.contains('/') && !command.starts_with('/') {
            std::env::current_dir()
                .map(|d| d.join(command).to_string_lossy().into_owned())
                .unwrap_or_else(|_| command.to_string())
        } else {
            command.to_string()
        };
        let name = Path::new(&command)
            .file_name()
            .map_or(command.clone(), |n| n.to_string_lossy().into_owned());
        let asked = Command::new(&command)
            .args([
                "-c",
                "import sys, sysconfig; print(*sys.version_info[:2], \
                 int(bool(sysconfig.get_config_var('Py_GIL_DISABLED'))))",
            ])
            .stdin(Stdio::null())
            .stderr(Stdio::null())
            .output();
        let parsed = asked.ok().filter(|o| o.status.success()).and_then(|o| {
            let text = String::from_utf8_lossy(&o.stdout).into_owned();
            let mut words = text.split_whitespace().map(str::parse::<u32>);
            Some((
                words.next()?.ok()?,
                words.next()?.ok()?,
                words.next()?.ok()?,
            ))
        });
        let (version, major_minor) = match parsed {
            Some((major, minor, free)) => {
                let t = if free == 1 { "t" } else { "" };
                (Ok(format!("{major}.{minor}{t}")), (major, minor))
            }
            None => (Err(format!("no {command}")), (0, 0)),
        };
        Python {
            command,
            name,
            version,
            major_minor,
            modules: HashMap::new(),
        }
    }

    /// `python3 (3.11)`, or the name alone where it cannot run.
    pub fn label(&self) -> String {
        match &self.version {
            Ok(v) => format!("{} ({v})", self.name),
            Err(_) => self.name.clone(),
        }
    }

    /// Why `program`'s twin cannot run on this interpreter, or `None` when it can.
    pub fn missing(&mut self, program: &Program) -> Option<String> {
        let Some(twin) = &program.twin else {
            return Some("no twin".into());
        };
        if !twin.is_file() {
            return Some("no twin file yet".into());
        }
        if let Err(why) = &self.version {
            return Some(why.clone());
        }
        if let Some((major, minor)) = program.min_python
            && self.major_minor < (major, minor)
        {
            return Some(format!("needs Python {major}.{minor}+"));
        }
        for module in &program.python_modules {
            let command = self.command.clone();
            let found = *self.modules.entry(module.clone()).or_insert_with(|| {
                Command::new(&command)
                    .args(["-c", &format!("import {module}")])
                    .stdin(Stdio::null())
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .status()
                    .is_ok_and(|s| s.success())
            });
            if !found {
                return Some(format!("no {module}"));
            }
        }
        None
    }
}

/// The interpreters `scripts/python.sh --print` names (those it has built), or why none.
pub fn built(root: &Path) -> Result<Vec<String>, String> {
    let script = root.join("scripts/python.sh");
    let out = Command::new("bash")
        .arg(&script)
        .arg("--print")
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", script.display()))?;
    if !out.status.success() {
        return Err(format!(
            "scripts/python.sh --print failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect())
}
