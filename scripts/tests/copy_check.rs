//! Tests for `scripts/copy_check.sh` on a stand-in workspace: it follows each program's
//! `To copy:` line in a fresh crate and builds the copy, and fails a program whose
//! header has no such line, whose `cargo add` fails, or whose copy does not build.
//! Its `cargo add` runs against the live registry, as a user's does; the only dependency
//! built is cfg-if, which the workspace's build has already downloaded.
#![cfg(unix)]
#![allow(clippy::unwrap_used)]

mod common;

use common::{Workspace, assert_usage_errors, run, script};

const HEADER: &str = "//! A stand-in demo.\n//!\n//! Run with: cargo run\n//!\n";

/// A program's source: the `//!` header ending with `to_copy` (no line if empty),
/// then `body`.
fn source(to_copy: &str, body: &str) -> String {
    let line = if to_copy.is_empty() {
        String::new()
    } else {
        format!("//! {to_copy}\n")
    };
    format!("{HEADER}{line}\n{body}")
}

/// The line copy_check printed for `program`, as (status, detail).
fn line_of(out: &str, program: &str) -> (String, String) {
    let line = out
        .lines()
        .find(|l| l.split_whitespace().nth(1) == Some(program))
        .unwrap_or_else(|| panic!("no line for {program} in:\n{out}"));
    let mut words = line.splitn(3, char::is_whitespace);
    let status = words.next().unwrap().to_string();
    (
        status,
        line[line.find(program).unwrap() + program.len()..]
            .trim()
            .to_string(),
    )
}

#[test]
fn each_program_is_copied_into_a_fresh_crate_and_built() {
    let members = [
        "plain",
        "with-dep",
        "several",
        "no-line",
        "bad-add",
        "no-command",
        "wrong-claim",
        "bad-feature",
    ];
    let ws = Workspace::new("copy", &members);
    for dir in members {
        ws.package(dir, dir);
    }
    ws.file(
        "plain/src/main.rs",
        &source(
            // The paragraph ends at the blank line: the command after it is not run.
            "To copy: no dependencies\n//!\n//! Not this: `cargo add no-such-crate-for-copy-check@1`",
            "fn main() {\n    println!(\"plain\");\n}\n",
        ),
    );
    // A lib.rs beside it must be left out: it would make the copy a library too.
    ws.file(
        "plain/src/lib.rs",
        "compile_error!(\"lib.rs was copied\");\n",
    );
    ws.file(
        "with-dep/src/main.rs",
        &source(
            "To copy: `cargo add cfg-if@1`",
            "cfg_if::cfg_if! {\n    if #[cfg(unix)] { fn main() {} } else { fn main() {} }\n}\n",
        ),
    );
    // A crate of several files and three programs: main.rs with its module, and two
    // src/bin programs, each copied alone (so one that needs the module fails). One
    // has its `cargo add` on the line after `To copy:`.
    ws.file(
        "several/src/main.rs",
        &source(
            "To copy: no dependencies",
            "mod helper;\nfn main() {\n    helper::help();\n}\n",
        ),
    );
    ws.file("several/src/helper.rs", "pub fn help() {}\n");
    ws.file(
        "several/src/bin/several-extra.rs",
        &source(
            "To copy:\n//! `cargo add cfg-if@1`",
            "cfg_if::cfg_if! {\n    if #[cfg(unix)] { fn main() {} } else { fn main() {} }\n}\n",
        ),
    );
    ws.file(
        "several/src/bin/several-strict.rs",
        &source("To copy: no dependencies", "mod helper;\nfn main() {}\n"),
    );
    ws.file("no-line/src/main.rs", &source("", "fn main() {}\n"));
    ws.file(
        "bad-add/src/main.rs",
        &source(
            "To copy: `cargo add no-such-crate-for-copy-check@1`",
            "fn main() {}\n",
        ),
    );
    ws.file(
        "no-command/src/main.rs",
        &source("To copy: add `nix` to your Cargo.toml", "fn main() {}\n"),
    );
    // Says it needs nothing, yet uses a crate: its copy cannot build.
    ws.file(
        "wrong-claim/src/main.rs",
        &source(
            "To copy: no dependencies",
            "cfg_if::cfg_if! {\n    if #[cfg(unix)] { fn main() {} }\n}\n",
        ),
    );

    // A line cargo's offline cache accepts and the live registry refuses (it checks the
    // features against a 0.1 release that lacks two of them): only a live check sees it.
    ws.file(
        "bad-feature/src/main.rs",
        &source(
            "To copy: `cargo add hyper-util@0.1 --features tokio,server-graceful,service,http1`",
            "fn main() {}\n",
        ),
    );
    // The registry: every binary is a program, in the members' order.
    let mut order = 0;
    for dir in members {
        let mut bins = vec![dir.to_string()];
        if dir == "several" {
            bins.extend(["several-extra".into(), "several-strict".into()]);
        }
        let path = ws.root.join(dir).join("Cargo.toml");
        let mut manifest = std::fs::read_to_string(&path).unwrap();
        for bin in bins {
            order += 1;
            manifest +=
                &format!("\n[[package.metadata.programs]]\norder = {order}\nbin = \"{bin}\"\n");
        }
        std::fs::write(path, manifest).unwrap();
    }

    let mut cmd = ws.script("copy_check.sh", &[]);
    cmd.env("COPY_CHECK_TARGET_DIR", ws.root.join("copy-target"));
    let out = run(cmd, 900);
    let text = &out.stdout;
    assert_eq!(out.code, Some(1), "{out:?}");

    assert_eq!(
        line_of(text, "plain"),
        ("ok".into(), "no dependencies".into())
    );
    assert_eq!(
        line_of(text, "with-dep"),
        ("ok".into(), "cargo add cfg-if@1".into())
    );
    assert_eq!(
        line_of(text, "several"),
        ("ok".into(), "no dependencies".into())
    );
    assert_eq!(
        line_of(text, "several-extra"),
        ("ok".into(), "cargo add cfg-if@1".into())
    );
    let (status, detail) = line_of(text, "several-strict");
    assert_eq!(status, "FAILED");
    assert!(detail.starts_with("build: error"), "{detail}");
    assert_eq!(
        line_of(text, "no-line"),
        (
            "FAILED".into(),
            "no 'To copy:' line in the //! header of no-line/src/main.rs".into()
        )
    );
    let (status, detail) = line_of(text, "bad-add");
    assert_eq!(status, "FAILED");
    assert!(
        detail.starts_with("cargo add no-such-crate-for-copy-check@1: error"),
        "{detail}"
    );
    let (status, detail) = line_of(text, "no-command");
    assert_eq!(status, "FAILED");
    assert!(detail.contains("names no `cargo add` command"), "{detail}");
    let (status, detail) = line_of(text, "wrong-claim");
    assert_eq!(status, "FAILED");
    assert!(detail.starts_with("build: error"), "{detail}");
    let (status, detail) = line_of(text, "bad-feature");
    assert_eq!(status, "FAILED");
    assert_eq!(
        detail,
        "cargo add hyper-util@0.1 --features tokio,server-graceful,service,http1: \
         error: unrecognized features for crate hyper-util: server-graceful, service"
    );
    assert!(
        text.contains("10 programs: 4 copy and build, 6 do not"),
        "{text}"
    );
    // The registry was reached, so nothing fell back to cargo's offline cache.
    assert!(!text.contains("offline"), "{text}");

    // Named programs only; all of them good, so the run passes.
    let mut cmd = ws.script("copy_check.sh", &["with-dep", "plain"]);
    cmd.env("COPY_CHECK_TARGET_DIR", ws.root.join("copy-target"));
    let out = run(cmd, 600);
    assert_eq!(out.code, Some(0), "{out:?}");
    assert!(
        out.stdout
            .contains("2 programs: 2 copy and build, 0 do not"),
        "{out:?}"
    );
}

#[test]
fn bad_arguments_get_one_line_and_exit_2() {
    assert_usage_errors(
        "copy_check.sh",
        &[
            (
                &["no-such-demo"],
                "error: no program named 'no-such-demo' (see scripts/run_all.sh --list)",
            ),
            (&["--fast"], "error: unknown option '--fast' (see --help)"),
        ],
    );
    let out = run(script("copy_check.sh", &["--help"]), 60);
    assert_eq!(out.code, Some(0));
    assert!(out.stdout.contains("To copy:"), "{}", out.stdout);
}

#[test]
fn where_the_registry_cannot_be_reached_it_falls_back_to_the_offline_cache_and_says_so() {
    let ws = Workspace::new("copy-offline", &["with-dep"]);
    ws.package("with-dep", "with-dep");
    ws.file(
        "with-dep/src/main.rs",
        &source(
            "To copy: `cargo add cfg-if@1`",
            "cfg_if::cfg_if! {\n    if #[cfg(unix)] { fn main() {} } else { fn main() {} }\n}\n",
        ),
    );
    let path = ws.root.join("with-dep/Cargo.toml");
    let manifest = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        path,
        manifest + "\n[[package.metadata.programs]]\norder = 1\nbin = \"with-dep\"\n",
    )
    .unwrap();
    let mut cmd = ws.script("copy_check.sh", &[]);
    // A proxy where nothing listens: cargo cannot reach the registry.
    cmd.env("COPY_CHECK_TARGET_DIR", ws.root.join("copy-target"))
        .env("CARGO_HTTP_PROXY", "http://127.0.0.1:9")
        .env("CARGO_NET_RETRY", "0");
    let out = run(cmd, 600);
    assert_eq!(out.code, Some(0), "{out:?}");
    assert!(
        out.stdout.lines().any(
            |l| l.starts_with("note: with-dep: the registry cannot be reached")
                && l.ends_with("falling back to cargo's offline cache for: cargo add cfg-if@1")
        ),
        "{}",
        out.stdout
    );
    assert_eq!(
        line_of(&out.stdout, "with-dep"),
        (
            "ok".into(),
            "cargo add cfg-if@1 (offline: registry unreachable)".into()
        )
    );
}
