//! The registry of the workspace's programs: which binaries are lessons, in what order they
//! run, their Python twins, the arguments of their default run and what they need.
//!
//! Each demo crate describes its programs in its own Cargo.toml, one table per program:
//!
//! ```toml
//! [[package.metadata.programs]]
//! order = 200                      # place in the tutorial's run order (unique; gaps welcome)
//! bin = "async-web"                # the binary target
//! twin = "async_web.py"            # its Python twin, beside the crate's Cargo.toml
//! args = ["--demo"]                # arguments of its default run (both sides); default none
//! needs = ["redis-server"]         # commands both sides need on PATH; default none
//! python-modules = ["aiohttp"]     # modules the twin imports beyond the standard library
//! min-python = "3.11"              # the oldest Python the twin runs on; default any
//! differs = "..."                  # where the twin does other work than the program (less
//!                                  # of it, say), so their times do not compare: what differs
//! ```
//!
//! A crate with no such table has no lesson to run (the benchmark, the book's checks, the
//! scripts' tool, this crate). Adding a program is adding one table to its crate. Everything
//! reads the registry through [`load`]: `cargo metadata` parses the manifests.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// One program of the registry.
#[derive(Debug, Clone, PartialEq)]
pub struct Program {
    /// The binary's name, which is the program's name everywhere.
    pub name: String,
    pub order: u64,
    /// The package that builds it (`cargo run -p PACKAGE --bin NAME`).
    pub package: String,
    /// The crate's directory.
    pub dir: PathBuf,
    /// The binary's main source file.
    pub source: PathBuf,
    /// The twin's path, where the registry names one (the file may not exist yet).
    pub twin: Option<PathBuf>,
    pub args: Vec<String>,
    pub needs: Vec<String>,
    pub python_modules: Vec<String>,
    /// The oldest Python (major, minor) the twin runs on.
    pub min_python: Option<(u32, u32)>,
    /// What differs between the program's work and its twin's, where they differ.
    pub differs: Option<String>,
}

/// The registry of one workspace.
#[derive(Debug)]
pub struct Registry {
    pub root: PathBuf,
    /// Where cargo builds (`target/` unless configured otherwise).
    pub target_dir: PathBuf,
    /// Every program, in order.
    pub programs: Vec<Program>,
}

impl Program {
    /// The first command of `needs` not found on PATH (or, given with a `/`, not a file), if
    /// any: the program cannot run here.
    pub fn missing_command(&self) -> Option<&str> {
        let on_path = |command: &str| {
            if command.contains('/') {
                return Path::new(command).is_file();
            }
            std::env::var_os("PATH").is_some_and(|path| {
                std::env::split_paths(&path).any(|dir| dir.join(command).is_file())
            })
        };
        self.needs.iter().map(String::as_str).find(|c| !on_path(c))
    }
}

impl Registry {
    /// The program called `name`.
    pub fn get(&self, name: &str) -> Option<&Program> {
        self.programs.iter().find(|p| p.name == name)
    }
}

/// The workspace this crate belongs to (its parent directory).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("testkit lives inside the workspace")
        .to_path_buf()
}

/// The program `name` of this workspace's registry, for a test that runs it or its twin
/// with the registry's arguments and needs. Panics when the registry cannot be read or has
/// no such program.
pub fn program(name: &str) -> Program {
    let registry = load(&workspace_root()).unwrap_or_else(|e| panic!("the registry: {e}"));
    let found = registry.get(name).cloned();
    found.unwrap_or_else(|| panic!("no program {name} in the registry (its crate's Cargo.toml)"))
}

/// Reads the registry of the workspace at `root` with `cargo metadata` (`$CARGO`, else
/// `cargo`). An error says what is wrong, e.g. an entry naming no binary of its crate.
pub fn load(root: &Path) -> Result<Registry, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(&cargo)
        .args([
            "metadata",
            "--no-deps",
            "--format-version",
            "1",
            "--manifest-path",
        ])
        .arg(root.join("Cargo.toml"))
        .output()
        .map_err(|e| format!("cannot run {cargo} metadata: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "cargo metadata failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    let metadata: Value = serde_json::from_slice(&out.stdout)
        .map_err(|e| format!("cargo metadata printed no JSON: {e}"))?;
    parse(root, &metadata)
}

/// The registry in `cargo metadata`'s output.
pub fn parse(root: &Path, metadata: &Value) -> Result<Registry, String> {
    let target_dir = metadata["target_directory"]
        .as_str()
        .map_or_else(|| root.join("target"), PathBuf::from);
    let mut programs = Vec::new();
    for package in metadata["packages"].as_array().into_iter().flatten() {
        let name = package["name"].as_str().unwrap_or_default();
        let Some(entries) = package["metadata"]["programs"].as_array() else {
            continue;
        };
        let manifest = PathBuf::from(package["manifest_path"].as_str().unwrap_or_default());
        let dir = manifest.parent().unwrap_or(root).to_path_buf();
        for entry in entries {
            programs.push(entry_of(name, &dir, package, entry)?);
        }
    }
    programs.sort_by_key(|p| p.order);
    for pair in programs.windows(2) {
        if pair[0].order == pair[1].order {
            return Err(format!(
                "programs {} and {} both have order {}",
                pair[0].name, pair[1].name, pair[0].order
            ));
        }
    }
    for (i, p) in programs.iter().enumerate() {
        if programs[..i].iter().any(|q| q.name == p.name) {
            return Err(format!("two programs are called {}", p.name));
        }
    }
    Ok(Registry {
        root: root.to_path_buf(),
        target_dir,
        programs,
    })
}

fn entry_of(package: &str, dir: &Path, meta: &Value, entry: &Value) -> Result<Program, String> {
    let what = format!("{package}'s [[package.metadata.programs]]");
    let text = |key: &str| entry[key].as_str().map(String::from);
    let list = |key: &str| -> Result<Vec<String>, String> {
        match &entry[key] {
            Value::Null => Ok(Vec::new()),
            Value::Array(items) => items
                .iter()
                .map(|v| v.as_str().map(String::from))
                .collect::<Option<_>>()
                .ok_or_else(|| format!("{what}: `{key}` must be a list of strings")),
            _ => Err(format!("{what}: `{key}` must be a list of strings")),
        }
    };
    if let Some(keys) = entry.as_object() {
        let known = [
            "order",
            "bin",
            "twin",
            "args",
            "needs",
            "python-modules",
            "min-python",
            "differs",
        ];
        if let Some(key) = keys.keys().find(|k| !known.contains(&k.as_str())) {
            return Err(format!("{what}: unknown key `{key}`"));
        }
    }
    let name = text("bin").ok_or_else(|| format!("{what}: an entry has no `bin`"))?;
    let what = format!("{what} for {name}");
    let order = entry["order"]
        .as_u64()
        .ok_or_else(|| format!("{what}: `order` must be a whole number"))?;
    let source = meta["targets"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|t| {
            t["name"] == name.as_str()
                && t["kind"]
                    .as_array()
                    .is_some_and(|k| k.iter().any(|k| k == "bin"))
        })
        .and_then(|t| t["src_path"].as_str())
        .ok_or_else(|| format!("{what}: {package} has no binary called {name}"))?;
    let min_python = match text("min-python") {
        None => None,
        Some(v) => Some(
            v.split_once('.')
                .and_then(|(a, b)| Some((a.parse().ok()?, b.parse().ok()?)))
                .ok_or_else(|| {
                    format!("{what}: `min-python` must read like \"3.11\", not {v:?}")
                })?,
        ),
    };
    Ok(Program {
        order,
        package: package.to_string(),
        dir: dir.to_path_buf(),
        source: PathBuf::from(source),
        twin: text("twin").map(|t| dir.join(t)),
        args: list("args")?,
        needs: list("needs")?,
        python_modules: list("python-modules")?,
        min_python,
        differs: text("differs"),
        name,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metadata(entries: &str) -> Value {
        serde_json::from_str(&format!(
            r#"{{"target_directory": "/w/target", "packages": [
                {{"name": "a", "manifest_path": "/w/a/Cargo.toml",
                  "targets": [{{"name": "a", "kind": ["bin"], "src_path": "/w/a/src/main.rs"}},
                              {{"name": "b", "kind": ["bin"], "src_path": "/w/a/src/bin/b.rs"}}],
                  "metadata": {{"programs": [{entries}]}}}},
                {{"name": "tool", "manifest_path": "/w/tool/Cargo.toml",
                  "targets": [{{"name": "tool", "kind": ["bin"], "src_path": "/w/tool/src/main.rs"}}],
                  "metadata": null}}]}}"#
        ))
        .unwrap()
    }

    #[test]
    fn programs_come_in_their_order_with_what_they_need() {
        let meta = metadata(
            r#"{"order": 20, "bin": "a", "twin": "a.py", "args": ["--demo"],
                "needs": ["redis-server"], "python-modules": ["redis"], "min-python": "3.11"},
               {"order": 10, "bin": "b"}"#,
        );
        let reg = parse(Path::new("/w"), &meta).unwrap();
        let names: Vec<_> = reg.programs.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["b", "a"]);
        let a = reg.get("a").unwrap();
        assert_eq!(a.twin.as_deref(), Some(Path::new("/w/a/a.py")));
        assert_eq!(a.args, ["--demo"]);
        assert_eq!(a.needs, ["redis-server"]);
        assert_eq!(a.python_modules, ["redis"]);
        assert_eq!(a.min_python, Some((3, 11)));
        assert_eq!(a.source, Path::new("/w/a/src/main.rs"));
        assert_eq!(reg.get("b").unwrap().twin, None);
        assert_eq!(reg.target_dir, Path::new("/w/target"));
    }

    #[test]
    fn this_workspace_has_its_programs_with_their_arguments() {
        let web = program("async-web");
        assert_eq!(web.args, ["--demo"]);
        assert_eq!(
            web.twin,
            Some(workspace_root().join("async-web/async_web.py"))
        );
        assert_eq!(program("deadlock").package, "lock-deadlock");
    }

    #[test]
    fn a_command_not_on_path_is_named_and_one_there_is_not() {
        let mut program = program("async-web");
        program.needs = vec!["sh".into(), "/bin/sh".into()];
        assert_eq!(program.missing_command(), None);
        program.needs.push("no-such-command-here".into());
        assert_eq!(program.missing_command(), Some("no-such-command-here"));
        program.needs = vec!["/no/such/file".into()];
        assert_eq!(program.missing_command(), Some("/no/such/file"));
    }

    #[test]
    fn a_wrong_entry_is_refused_with_its_reason() {
        let cases = [
            (r#"{"order": 1, "bin": "c"}"#, "a has no binary called c"),
            (
                r#"{"order": 1, "bin": "a"}, {"order": 1, "bin": "b"}"#,
                "both have order 1",
            ),
            (
                r#"{"order": 1, "bin": "a"}, {"order": 2, "bin": "a"}"#,
                "two programs are called a",
            ),
            (r#"{"bin": "a"}"#, "`order` must be a whole number"),
            (
                r#"{"order": 1, "bin": "a", "arg": []}"#,
                "unknown key `arg`",
            ),
            (
                r#"{"order": 1, "bin": "a", "min-python": "3"}"#,
                "`min-python` must read like",
            ),
        ];
        for (entries, reason) in cases {
            let err = parse(Path::new("/w"), &metadata(entries)).unwrap_err();
            assert!(err.contains(reason), "{entries}: {err}");
        }
    }
}
