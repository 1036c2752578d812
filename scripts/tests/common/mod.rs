//! What the scripts' tests share: the real workspace's root, a stand-in workspace in a
//! temporary directory (its own Cargo.toml, crates, twins and binaries, with a copy of
//! the scripts), and running a script under a time limit.
#![allow(dead_code)] // Each test file uses a different part.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

pub use testkit::Outcome;

/// The real workspace's root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// A stand-in workspace in a temporary directory, removed on drop: a root Cargo.toml
/// listing `members`, the scripts under test in `scripts/`, and whatever files a test
/// writes. Stand-in binaries go in `bin/`, for `--bin-dir`.
pub struct Workspace {
    pub root: PathBuf,
    members: Vec<String>,
}

impl Workspace {
    pub fn new(tag: &str, members: &[&str]) -> Self {
        let root = std::env::temp_dir().join(format!("scripts-test-{tag}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&root);
        fs::create_dir_all(root.join("scripts")).unwrap();
        fs::create_dir_all(root.join("bin")).unwrap();
        // Every script, since they share scripts/common.sh.
        for entry in fs::read_dir(self::root().join("scripts")).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "sh") {
                fs::copy(&path, root.join("scripts").join(path.file_name().unwrap())).unwrap();
            }
        }
        let list: Vec<String> = members.iter().map(|m| format!("    \"{m}\",\n")).collect();
        let manifest = format!("[workspace]\nmembers = [\n{}]\n", list.concat());
        fs::write(root.join("Cargo.toml"), manifest).unwrap();
        let members = members.iter().map(|m| m.to_string()).collect();
        Workspace { root, members }
    }

    /// Writes `body` to `path` (relative to the root), creating its directories.
    pub fn file(&self, path: &str, body: &str) {
        let path = self.root.join(path);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, body).unwrap();
    }

    /// A crate in directory `dir` whose package is `package`.
    pub fn package(&self, dir: &str, package: &str) {
        self.file(
            &format!("{dir}/Cargo.toml"),
            &format!("[package]\nname = \"{package}\"\nversion = \"0.1.0\"\nedition = \"2024\"\n"),
        );
    }

    /// A crate whose program `dir` is `src/main.rs`, in the registry in the order of the
    /// members, with its twin `dir/dir.py` (with `_` for `-`; the file is the test's to
    /// write), plus a stand-in binary for it.
    pub fn program(&self, dir: &str, binary: &str) {
        self.program_with(dir, binary, "");
    }

    /// As [`Workspace::program`], with more keys (`extra`, TOML lines) in its registry entry.
    pub fn program_with(&self, dir: &str, binary: &str, extra: &str) {
        let order = self.members.iter().position(|m| m == dir).unwrap_or(99) + 1;
        self.package(dir, dir);
        let twin = dir.replace('-', "_");
        let manifest = self.root.join(dir).join("Cargo.toml");
        let mut text = fs::read_to_string(&manifest).unwrap();
        text += &format!(
            "\n[[package.metadata.programs]]\norder = {order}\nbin = \"{dir}\"\ntwin = \"{twin}.py\"\n{extra}"
        );
        fs::write(manifest, text).unwrap();
        self.file(&format!("{dir}/src/main.rs"), "fn main() {}\n");
        self.bin(dir, binary);
    }

    /// A stand-in binary `bin/NAME`: a shell script running `body`.
    pub fn bin(&self, name: &str, body: &str) {
        let path = self.root.join("bin").join(name);
        fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
    }

    pub fn bin_dir(&self) -> String {
        self.root.join("bin").to_str().unwrap().to_string()
    }

    /// `bash scripts/SCRIPT` of this workspace, with `args`, running the `programs` tool
    /// this package built.
    pub fn script(&self, script: &str, args: &[&str]) -> Command {
        let mut cmd = Command::new("bash");
        cmd.arg(self.root.join("scripts").join(script))
            .args(args)
            .env("PROGRAMS_BIN", env!("CARGO_BIN_EXE_programs"));
        cmd
    }
}

impl Drop for Workspace {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.root);
    }
}

/// `bash scripts/SCRIPT args` in the real workspace, running the `programs` tool this
/// package built (so a usage error is answered at once, whoever holds cargo's build lock).
pub fn script(script: &str, args: &[&str]) -> Command {
    let mut cmd = script_via_cargo(script, args);
    cmd.env("PROGRAMS_BIN", env!("CARGO_BIN_EXE_programs"));
    cmd
}

/// `bash scripts/SCRIPT args` in the real workspace as a user runs it: the script builds
/// and runs the `programs` tool with `cargo run`.
pub fn script_via_cargo(script: &str, args: &[&str]) -> Command {
    let mut cmd = Command::new("bash");
    cmd.arg(root().join("scripts").join(script))
        .args(args)
        .env_remove("PROGRAMS_BIN");
    cmd
}

/// Runs `cmd` and waits for it, failing the test past `seconds`.
pub fn run(cmd: Command, seconds: u64) -> Outcome {
    testkit::command_within(cmd, Duration::from_secs(seconds))
}

/// Checks, for each `(args, message)`, that `bash scripts/SCRIPT args` in the real
/// workspace is refused as a usage error: exit 2, nothing on stdout, and on stderr only
/// the line `message`.
pub fn assert_usage_errors(script_name: &str, cases: &[(&[&str], &str)]) {
    for (args, message) in cases {
        let out = run(script(script_name, args), 60);
        assert_eq!(out.code, Some(2), "{args:?}: {out:?}");
        assert_eq!(out.stderr, format!("{message}\n"), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}: {out:?}");
    }
}

/// The summary row of `program` in run_all.sh's output.
pub fn summary_row<'a>(out: &'a str, program: &str) -> &'a str {
    let summary = &out[out.find("=== summary ===").expect("a summary")..];
    summary
        .lines()
        .find(|line| line.split_whitespace().next() == Some(program))
        .unwrap_or_else(|| panic!("no summary row for {program} in:\n{summary}"))
}

/// The columns of a summary row: split where two or more spaces are.
pub fn columns(row: &str) -> Vec<&str> {
    row.split("  ")
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect()
}
