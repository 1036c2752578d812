//! The naive racy versions must not compile, each for its own reason; the fixed one must.
//! Each snippet in tests/compile_fail/ is compiled by `rustc` as a library, metadata only
//! (type and borrow checking, no code generation).

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

/// Compiles one snippet; returns whether it compiled, the error codes seen, and stderr.
fn compile(snippet: &str) -> (bool, BTreeSet<String>, String) {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let source = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/compile_fail")
        .join(snippet);
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
        .arg(&source)
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
