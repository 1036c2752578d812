//! The naive racy versions must not compile, each for its own reason; the fixed ones must.
//! Each snippet in tests/compile_fail/ is compiled by `rustc` as a library, metadata only
//! (type and borrow checking, no code generation). The README quotes rustc's message for
//! racy.rs, and a test here keeps that quote true.
//!
//! The snippets that use tokio are compiled against the tokio that cargo built for these
//! tests (a dev-dependency of lock-deadlock): `--extern tokio=RLIB` names its rlib in
//! `target/debug/deps`, and `-L dependency=` that directory, where tokio's own dependencies
//! are. Where that directory holds several tokio rlibs (other feature sets, older builds),
//! the newest that compiles tokio_mutex.rs is used.
//!
//! The book's compile-fail page shows rustc's whole message for each naive snippet, from
//! `book/src/output/compile-fail-SNIPPET.txt`: a first line `$ rustc ...` with the command,
//! then what rustc printed. A test here checks each file is still what this rustc prints and
//! writes nothing itself. To capture them again, run this from the workspace root, after
//! `cargo test -p lock-deadlock` has built tokio:
//!
//! ```sh
//! cd lock-deadlock/tests/compile_fail && DEPS=../../../target/debug/deps &&
//! TOKIO_RLIB=$(ls -t $DEPS/libtokio-*.rlib | head -1) && for s in racy racy_spawn \
//!     racy_global send_rc guard_across_await; do
//!     args="--edition 2024 --crate-type lib --emit=metadata"
//!     tokio='--extern tokio=$TOKIO_RLIB -L dependency=$DEPS'
//!     [ $s = guard_across_await ] || tokio=
//!     { echo "\$ rustc $args ${tokio:+$tokio }$s.rs"; eval rustc $args $tokio $s.rs \
//!         --out-dir "$(mktemp -d)" 2>&1; } >"../../../book/src/output/compile-fail-$s.txt"
//! done
//! ```

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// How each snippet is compiled (with an `--out-dir` of its own added); the book shows
/// this command.
const RUSTC_ARGS: [&str; 5] = [
    "--edition",
    "2024",
    "--crate-type",
    "lib",
    "--emit=metadata",
];

/// The snippets that use tokio.
const WITH_TOKIO: [&str; 3] = [
    "guard_across_await.rs",
    "guard_dropped.rs",
    "tokio_mutex.rs",
];

/// How the book's command names what `--extern` and `-L` point to for a snippet that uses
/// tokio: shell variables, set as the module's comment shows.
const TOKIO_ARGS_SHOWN: &str = "--extern tokio=$TOKIO_RLIB -L dependency=$DEPS";

/// The directory cargo put this test and its dependencies' rlibs in (`target/debug/deps`).
fn deps_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test knows its own path");
    exe.parent()
        .expect("the test is in a directory")
        .to_path_buf()
}

/// The tokio rlib in [`deps_dir`] to compile against: the newest that compiles
/// tokio_mutex.rs, the control case.
fn tokio_rlib() -> &'static Path {
    static RLIB: OnceLock<PathBuf> = OnceLock::new();
    RLIB.get_or_init(|| {
        let mut rlibs: Vec<(std::time::SystemTime, PathBuf)> = std::fs::read_dir(deps_dir())
            .expect("the deps directory can be read")
            .flatten()
            .map(|entry| entry.path())
            .filter(|path| {
                let name = path.file_name().unwrap_or_default().to_string_lossy();
                name.starts_with("libtokio-") && name.ends_with(".rlib")
            })
            .map(|path| {
                let modified = path.metadata().and_then(|m| m.modified());
                (modified.expect("an rlib has a modification time"), path)
            })
            .collect();
        rlibs.sort();
        rlibs
            .into_iter()
            .rev()
            .map(|(_, path)| path)
            .find(|rlib| run_rustc("tokio_mutex.rs", Some(rlib)).0)
            .unwrap_or_else(|| {
                panic!(
                    "no libtokio-*.rlib in {} compiles tokio_mutex.rs: cargo builds one for \
                     these tests, tokio being a dev-dependency of lock-deadlock",
                    deps_dir().display()
                )
            })
    })
}

/// Compiles one snippet; returns whether it compiled, the error codes seen, and stderr.
fn compile(snippet: &str) -> (bool, BTreeSet<String>, String) {
    let tokio = WITH_TOKIO.contains(&snippet).then(tokio_rlib);
    run_rustc(snippet, tokio)
}

fn run_rustc(snippet: &str, tokio: Option<&Path>) -> (bool, BTreeSet<String>, String) {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    // Run from the snippets' directory, so rustc names the file as the README shows it.
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/compile_fail");
    let out_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("compile_fail-{snippet}"));
    std::fs::create_dir_all(&out_dir).expect("the temp dir can be made");
    let mut cmd = Command::new(rustc);
    cmd.args(RUSTC_ARGS);
    if let Some(rlib) = tokio {
        let mut extern_tokio = std::ffi::OsString::from("tokio=");
        extern_tokio.push(rlib);
        let mut deps = std::ffi::OsString::from("dependency=");
        deps.push(deps_dir());
        cmd.arg("--extern").arg(extern_tokio).arg("-L").arg(deps);
    }
    let output = cmd
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

/// The lines of rustc's stderr that start an error, but for the closing `aborting` one.
fn errors(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| l.starts_with("error") && !l.starts_with("error: aborting due to"))
        .collect()
}

/// `snippet` fails with one error, whose first line is `error`, and says `words` too.
fn assert_refused_once(snippet: &str, error: &str, words: &str) {
    let (ok, _, stderr) = compile(snippet);
    assert!(!ok, "{snippet} compiled, but it must not");
    assert_eq!(errors(&stderr), [error], "{stderr}");
    assert!(stderr.contains(words), "{stderr}");
}

fn assert_compiles(snippet: &str) {
    let (ok, codes, stderr) = compile(snippet);
    assert!(ok && codes.is_empty(), "{snippet}: {stderr}");
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
    assert_compiles("fixed.rs");
}

/// `Rc` is not `Send`: a closure that holds one cannot go to another thread.
#[test]
fn an_rc_cannot_be_sent_to_another_thread() {
    assert_refused_once(
        "send_rc.rs",
        "error[E0277]: `Rc<std::sync::Mutex<i64>>` cannot be sent between threads safely",
        "the trait `Send` is not implemented for `Rc<std::sync::Mutex<i64>>`",
    );
}

/// The same code with `Arc` compiles.
#[test]
fn an_arc_can_be_sent_to_another_thread() {
    assert_compiles("send_arc.rs");
}

/// A std `MutexGuard` is not `Send`: a task holding one across an `.await` cannot be
/// given to `tokio::spawn`.
#[test]
fn a_std_mutex_guard_held_across_an_await_makes_a_task_not_send() {
    assert_refused_once(
        "guard_across_await.rs",
        "error: future cannot be sent between threads safely",
        "has type `std::sync::MutexGuard<'_, i64>` which is not `Send`",
    );
}

/// The guard dropped, by the end of its block, before the `.await`: it compiles.
#[test]
fn a_guard_dropped_before_the_await_compiles() {
    assert_compiles("guard_dropped.rs");
}

/// A `tokio::sync::Mutex` guard may be held across the `.await`: it compiles.
#[test]
fn a_tokio_mutex_guard_may_be_held_across_an_await() {
    assert_compiles("tokio_mutex.rs");
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
/// lives (and the std lines shown when the rust-src component is installed), where cargo
/// keeps the sources of crates (tokio's), and the width of the line-number gutter, which
/// depends on them.
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
            // `$CARGO_HOME/registry/src/INDEX/tokio-1.54.1/src/...`: from the crate on.
            if let Some((_, registry)) = path.split_once("/registry/src/") {
                let in_crate = registry.split_once('/').map_or(registry, |(_, p)| p);
                lines.push(format!("--> $CARGO_HOME/registry/src/$INDEX/{in_crate}"));
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

/// The naive snippets whose messages the book shows, with the first line of the one error
/// each must have.
const IN_THE_BOOK: [(&str, &str); 5] = [
    ("racy.rs", "error[E0499]"),
    ("racy_spawn.rs", "error[E0373]"),
    ("racy_global.rs", "error[E0133]"),
    ("send_rc.rs", "error[E0277]"),
    (
        "guard_across_await.rs",
        "error: future cannot be sent between threads safely",
    ),
];

#[test]
fn the_book_shows_rustcs_real_message_for_each_naive_snippet() {
    let output = Path::new(env!("CARGO_MANIFEST_DIR")).join("../book/src/output");
    for (snippet, error) in IN_THE_BOOK {
        let stem = snippet.trim_end_matches(".rs");
        let file = format!("compile-fail-{stem}.txt");
        let tokio = if WITH_TOKIO.contains(&snippet) {
            format!(" {TOKIO_ARGS_SHOWN}")
        } else {
            String::new()
        };
        let command = format!("$ rustc {}{tokio} {snippet}", RUSTC_ARGS.join(" "));
        let refresh = format!(
            "capture it again, from the workspace root, as the comment atop \
             lock-deadlock/tests/compile_fail.rs shows (the first line of the file is \
             `{command}`)"
        );
        let captured = std::fs::read_to_string(output.join(&file))
            .unwrap_or_else(|e| panic!("book/src/output/{file} cannot be read ({e}): {refresh}"));
        let (first, message) = captured.split_once('\n').unwrap_or((&captured, ""));
        assert_eq!(
            first, command,
            "book/src/output/{file} must start with the command: {refresh}"
        );
        assert!(
            message.contains(error),
            "book/src/output/{file} has no {error}: {refresh}"
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
