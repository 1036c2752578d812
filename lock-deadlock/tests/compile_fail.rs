//! The naive racy versions must not compile, each for its own reason; the fixed one must.
//! Each snippet in tests/compile_fail/ is compiled by `rustc` as a library, metadata only
//! (type and borrow checking, no code generation). The README quotes rustc's message for
//! racy.rs, and a test here keeps that quote true.
//!
//! The book's compile-fail page shows rustc's whole message for each naive snippet, from
//! `book/src/output/compile-fail-SNIPPET.txt`: a first line `$ rustc ...` with the command,
//! then what rustc printed. A test here checks each file is still what this rustc prints and
//! writes nothing itself. To capture them again, run this from the workspace root:
//!
//! ```sh
//! cd lock-deadlock/tests/compile_fail && for s in racy racy_spawn racy_global; do
//!     args="--edition 2024 --crate-type lib --emit=metadata $s.rs"
//!     { echo "\$ rustc $args"; rustc $args --out-dir "$(mktemp -d)" 2>&1; } \
//!         >"../../../book/src/output/compile-fail-$s.txt"
//! done
//! ```

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

/// How each snippet is compiled (with an `--out-dir` of its own added); the book shows
/// this command.
const RUSTC_ARGS: [&str; 5] = [
    "--edition",
    "2024",
    "--crate-type",
    "lib",
    "--emit=metadata",
];

/// Compiles one snippet; returns whether it compiled, the error codes seen, and stderr.
fn compile(snippet: &str) -> (bool, BTreeSet<String>, String) {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    // Run from the snippets' directory, so rustc names the file as the README shows it.
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/compile_fail");
    let out_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("compile_fail-{snippet}"));
    std::fs::create_dir_all(&out_dir).expect("the temp dir can be made");
    let output = Command::new(rustc)
        .args(RUSTC_ARGS)
        .arg(snippet)
        .arg("--out-dir")
        .arg(&out_dir)
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

/// The naive snippets whose messages the book shows, with the error code each must have.
const IN_THE_BOOK: [(&str, &str); 3] = [
    ("racy.rs", "E0499"),
    ("racy_spawn.rs", "E0373"),
    ("racy_global.rs", "E0133"),
];

#[test]
fn the_book_shows_rustcs_real_message_for_each_naive_snippet() {
    let output = Path::new(env!("CARGO_MANIFEST_DIR")).join("../book/src/output");
    for (snippet, code) in IN_THE_BOOK {
        let stem = snippet.trim_end_matches(".rs");
        let file = format!("compile-fail-{stem}.txt");
        let command = format!("$ rustc {} {snippet}", RUSTC_ARGS.join(" "));
        let refresh = format!(
            "capture it again, from the workspace root:\n  \
             (cd lock-deadlock/tests/compile_fail && {{ echo '{command}'; \
             rustc {} {snippet} --out-dir \"$(mktemp -d)\" 2>&1; }} \
             >../../../book/src/output/{file})",
            RUSTC_ARGS.join(" ")
        );
        let captured = std::fs::read_to_string(output.join(&file))
            .unwrap_or_else(|e| panic!("book/src/output/{file} cannot be read ({e}): {refresh}"));
        let (first, message) = captured.split_once('\n').unwrap_or((&captured, ""));
        assert_eq!(
            first, command,
            "book/src/output/{file} must start with the command: {refresh}"
        );
        assert!(
            message.contains(&format!("error[{code}]")),
            "book/src/output/{file} has no {code}: {refresh}"
        );
        let (ok, _, stderr) = compile(snippet);
        assert!(!ok, "{snippet} compiled, but it must not");
        assert_eq!(
            normalise(message),
            normalise(&stderr),
            "book/src/output/{file} differs from what this rustc says: {refresh}"
        );
    }
}
