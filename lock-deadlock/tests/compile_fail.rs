//! The naive racy versions must not compile, each for its own reason; the fixed one must.
//! Each snippet in tests/compile_fail/ is compiled by `rustc` as a library, metadata only
//! (type and borrow checking, no code generation). The README quotes rustc's message for
//! racy.rs, and a test here keeps that quote true.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

/// Compiles one snippet; returns whether it compiled, the error codes seen, and stderr.
fn compile(snippet: &str) -> (bool, BTreeSet<String>, String) {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    // Run from the snippets' directory, so rustc names the file as the README shows it.
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/compile_fail");
    let out_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("compile_fail-{snippet}"));
    std::fs::create_dir_all(&out_dir).expect("the temp dir can be made");
    let output = Command::new(rustc)
        .args([
            "--edition",
            "2024",
            "--crate-type",
            "lib",
            "--emit=metadata",
            "--out-dir",
        ])
        .arg(&out_dir)
        .arg(snippet)
        .current_dir(&dir)
        .output()
        .expect("rustc can be started (set RUSTC to its path if it is not on the PATH)");
    let _ = std::fs::remove_dir_all(&out_dir);
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let codes = stderr
        .lines()
        .filter_map(|l| l.strip_prefix("error[")?.split(']').next())
        .map(str::to_owned)
        .collect();
    (output.status.success(), codes, stderr)
}

fn assert_refused(snippet: &str, code: &str, words: &str) {
    let (ok, codes, stderr) = compile(snippet);
    assert!(!ok, "{snippet} compiled, but it must not");
    // The right reason, and only it: not a typo or a missing import.
    assert_eq!(codes, BTreeSet::from([code.to_owned()]), "{stderr}");
    assert!(stderr.contains(words), "{stderr}");
}

#[test]
fn two_threads_mutating_one_plain_integer_do_not_compile() {
    assert_refused(
        "racy.rs",
        "E0499",
        "cannot borrow `balance` as mutable more than once at a time",
    );
}

#[test]
fn a_spawned_thread_cannot_borrow_a_local() {
    assert_refused(
        "racy_spawn.rs",
        "E0373",
        "closure may outlive the current function",
    );
}

#[test]
fn a_static_mut_global_needs_unsafe() {
    assert_refused("racy_global.rs", "E0133", "use of mutable static is unsafe");
}

/// The control case: proves the harness compiles good code, so the failures above are real.
#[test]
fn the_mutex_version_compiles() {
    let (ok, codes, stderr) = compile("fixed.rs");
    assert!(ok && codes.is_empty(), "{stderr}");
}

/// The README's quote of rustc's message for racy.rs: the fenced block after the marker.
fn readme_quote() -> String {
    let readme = Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md");
    let readme = std::fs::read_to_string(&readme).expect("the workspace README can be read");
    let marker = "<!-- rustc's message for lock-deadlock/tests/compile_fail/racy.rs -->";
    let after = readme
        .split(marker)
        .nth(1)
        .expect("the README has the marker");
    let mut lines = after.lines().skip_while(|l| l.trim().is_empty());
    let fence = lines.next().expect("a code block after the marker");
    assert_eq!(
        fence.trim(),
        "```text",
        "the marker is followed by a text block"
    );
    let indent = &fence[..fence.len() - fence.trim_start().len()];
    let body: Vec<&str> = lines.take_while(|l| l.trim() != "```").collect();
    body.iter()
        .map(|l| format!("{}\n", l.strip_prefix(indent).unwrap_or(l)))
        .collect()
}

/// rustc's message with what differs between machines made the same: where std's source
/// lives (and the std lines shown when the rust-src component is installed), and the width
/// of the line-number gutter, which depends on them.
fn normalise(message: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut in_std = false;
    for line in message.lines().map(str::trim) {
        if let Some(path) = line.strip_prefix("--> ") {
            in_std = path.contains("library/std/");
            if let Some((_, std_path)) = path.split_once("library/std/") {
                lines.push(format!("--> $RUST/library/std/{std_path}"));
                continue;
            }
        } else if in_std && !line.is_empty() {
            continue; // A line of std's own source, shown only where rust-src is installed.
        }
        in_std &= !line.is_empty();
        lines.push(line.to_owned());
    }
    lines
}

#[test]
fn the_readme_quotes_rustcs_real_message_for_the_naive_race() {
    let (ok, _, stderr) = compile("racy.rs");
    assert!(!ok, "racy.rs compiled, but it must not");
    let quote = readme_quote();
    assert!(quote.contains("error[E0499]"), "{quote}");
    assert_eq!(
        normalise(&quote),
        normalise(&stderr),
        "the README's quote differs from what this rustc says; paste this in its place:\n{stderr}"
    );
}
