//! Tests for `scripts/mutants.sh`: on a stand-in workspace of two small crates, one whose
//! tests check its code and one whose tests do not, it reports per crate what
//! cargo-mutants caught and missed, and fails the run on a miss.
#![cfg(unix)]
#![allow(clippy::unwrap_used)]

mod common;

use std::process::Command;

use common::{Workspace, assert_usage_errors, columns, run};

/// A crate whose function `double` is tested (`tested`) or not.
fn add_crate(ws: &Workspace, name: &str, tested: bool) {
    ws.package(name, name);
    let test = if tested {
        "assert_eq!(double(3), 6);"
    } else {
        "let _ = double(3);"
    };
    ws.file(
        &format!("{name}/src/lib.rs"),
        &format!(
            "pub fn double(x: i32) -> i32 {{\n    x * 2\n}}\n\n\
             #[cfg(test)]\nmod tests {{\n    use super::*;\n\n    \
             #[test]\n    fn doubles() {{\n        {test}\n    }}\n}}\n"
        ),
    );
}

/// The (caught, missed) columns of `krate`'s row in the table.
fn counts(out: &str, krate: &str) -> (u32, u32) {
    let table = &out[out.find("=== mutants per crate ===").expect("a table")..];
    let row = table
        .lines()
        .find(|l| l.split_whitespace().next() == Some(krate))
        .unwrap_or_else(|| panic!("no row for {krate} in:\n{table}"));
    let cells = columns(row);
    (cells[1].parse().unwrap(), cells[2].parse().unwrap())
}

#[test]
fn caught_and_missed_mutants_are_counted_per_crate() {
    let installed = Command::new(env!("CARGO"))
        .args(["mutants", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !installed {
        testkit::twin::skip(
            "caught_and_missed_mutants_are_counted_per_crate",
            "cargo-mutants is not installed (scripts/mutants.sh installs it)",
        );
        return;
    }
    let ws = Workspace::new("mutants", &["checked", "unchecked", "testkit"]);
    add_crate(&ws, "checked", true);
    add_crate(&ws, "unchecked", false);
    // A tool crate, not a demo (no program in the registry): not mutated unless named.
    add_crate(&ws, "testkit", false);
    // The demo crates are those with a program in the registry.
    for (order, name) in [(1, "checked"), (2, "unchecked")] {
        ws.file(&format!("{name}/src/main.rs"), "fn main() {}\n");
        let path = ws.root.join(name).join("Cargo.toml");
        let manifest = std::fs::read_to_string(&path).unwrap();
        std::fs::write(
            path,
            manifest
                + &format!("\n[[package.metadata.programs]]\norder = {order}\nbin = \"{name}\"\n"),
        )
        .unwrap();
    }

    let out = run(ws.script("mutants.sh", &[]), 900);
    assert_eq!(out.code, Some(1), "a missed mutant fails the run: {out:?}");
    let (caught, missed) = counts(&out.stdout, "checked");
    assert!(caught > 0, "{}", out.stdout);
    assert_eq!(missed, 0, "{}", out.stdout);
    let (caught, missed) = counts(&out.stdout, "unchecked");
    assert_eq!(caught, 0, "{}", out.stdout);
    assert!(missed > 0, "{}", out.stdout);
    assert!(!out.stdout.contains("\ntestkit "), "{}", out.stdout);

    // Only the crate named; all caught, so the run passes.
    let out = run(ws.script("mutants.sh", &["checked"]), 900);
    assert_eq!(out.code, Some(0), "{out:?}");
    assert_eq!(counts(&out.stdout, "checked").1, 0);
    assert!(!out.stdout.contains("\nunchecked "), "{}", out.stdout);
}

#[test]
fn bad_arguments_get_one_line_and_exit_2() {
    assert_usage_errors(
        "mutants.sh",
        &[
            (
                &["no-such-crate"],
                "error: no crate named 'no-such-crate' in the workspace",
            ),
            (
                &["--fast"],
                "error: unknown option '--fast' (see --help; options for cargo mutants go after --)",
            ),
        ],
    );
}
