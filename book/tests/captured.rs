//! The output the book shows is the output the programs print today. `scripts/capture.sh`
//! writes `book/src/output/PROGRAM.rust.txt` and `PROGRAM.python.txt`, and
//! `PROGRAM.python-VERSION.txt` for an interpreter whose lines differ (e.g.
//! `lock-deadlock.python-3.14t.txt`): a first line `$ ...` with the command, then what it
//! printed on stdout and stderr. Every program of the registry (testkit::programs) is
//! captured. Here each Rust program runs again, with its registry arguments, and must print
//! the captured lines (numbers aside, in any order, since concurrent lines interleave), and
//! each captured Python run, on every interpreter, must have the same lines as the captured
//! Rust run.
//!
//! Some lines depend on the machine's load: a race that lost nothing this time, threads that
//! got fewer cores than asked. A line seen in only one of the two runs passes when its words
//! are still in the program's source, so it is a branch not taken this time; a line whose
//! words the source no longer has is stale, and fails.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use testkit::twin::{normalise, skip};
use testkit::{command_within, run_within};

const RUN_LIMIT: Duration = Duration::from_secs(120);

/// Words a twin uses, by design, where its program uses others: async-cpu's twin runs
/// Python's own three ways (inline, a thread pool, a process pool) beside Rust's (inline,
/// spawn_blocking, rayon), and Python has an event loop where tokio has a runtime.
const PYTHON_WORDS: &[(&str, &str, &str)] = &[
    ("async-cpu", "thread pool", "spawn_blocking"),
    ("async-cpu", "process pool", "rayon"),
    ("async-cpu", "event loop", "runtime"),
    // A worker thread's exception is what a Rust thread's panic is: raised where Rust
    // panics, reported by threading's excepthook where Rust's panic hook speaks.
    ("master-worker", "raised RuntimeError('", "panicked (\""),
    ("master-worker", "') on task", "\") on task"),
    ("master-worker", "Exception in thread ", "thread '"),
    (
        "master-worker",
        ": RuntimeError: poison",
        "' panicked: poison",
    ),
];

/// Lines only a Rust program can print: distributed-demo's master sees a worker's
/// connection drop and says so (`master: worker-1 at ADDRESS closed: ...`), where a
/// BaseManager cannot see it (its twin takes a task back when the task's lease runs out
/// instead).
const RUST_ONLY: &[(&str, &str)] = &[("distributed-demo", "master: workerN at ")]; // as normalised

/// Twins whose lines are compared with their program's by their own test, not here:
/// bench-bot's twin measures its own two workloads against fakes of its own, so its report
/// and its Drive files differ from the program's (bench-bot/tests/twin.rs plays the twin
/// against the program's fakes, and checks that its own demo's chat has the program's
/// lines in the program's order).
const TWIN_CHECKED_ELSEWHERE: &[&str] = &["bench-bot"];

/// Programs that print lines of another crate's making: bench-bot passes on the targets
/// table of the bench it runs, so bench's source counts as its own.
const PRINTS_FROM: &[(&str, &str)] = &[("bench-bot", "bench")];

/// Words that a run measures, not the program's text: whether bench's targets were met on
/// that run. They are read as one word when a run is compared with its capture.
const MEASURED_WORDS: &[(&str, &str, &str)] = &[("bench-bot", "| missed |", "| met |")];

/// Programs whose runs print a line as many times as they measure: bench-bot edits its
/// progress message every 2 s of the run. Their lines are compared once each.
const REPEATS_MEASURED: &[&str] = &["bench-bot"];

/// `program`'s lines of `text`, normalised and sorted, each once where the program's
/// runs decide how often it is printed.
fn sorted_lines_of(program: &str, text: &str) -> Vec<String> {
    let mut lines = sorted(text);
    if REPEATS_MEASURED.contains(&program) {
        lines.dedup();
    }
    lines
}

/// `text` with the words that `program`'s runs measure read as one.
fn measured_as_one(program: &str, text: &str) -> String {
    MEASURED_WORDS
        .iter()
        .filter(|(p, _, _)| *p == program)
        .fold(text.to_string(), |text, (_, word, as_word)| {
            text.replace(word, as_word)
        })
}

fn output_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src/output")
}

/// Every captured program of `side` (`rust`, or `python` for every interpreter's file): its
/// name (with `.python-VERSION` after it for an interpreter's own file), its command line's
/// arguments, and the captured lines.
fn captured(side: &str) -> Vec<(String, Vec<String>, String)> {
    let mut found = Vec::new();
    for entry in fs::read_dir(output_dir()).expect("book/src/output exists") {
        let path = entry.expect("a directory entry").path();
        let name = path
            .file_name()
            .expect("a file")
            .to_string_lossy()
            .to_string();
        let program = match name.strip_suffix(&format!(".{side}.txt")) {
            Some(program) => program.to_string(),
            // PROGRAM.python-3.14t.txt: the program with the interpreter's version.
            None if side == "python" && name.contains(".python-") && name.ends_with(".txt") => name
                .trim_end_matches(".txt")
                .replacen(".python-", " on ", 1),
            None => continue,
        };
        let text = fs::read_to_string(&path).expect("captured text is UTF-8");
        let (command, output) = text.split_once('\n').unwrap_or((&text, ""));
        assert!(
            command.starts_with("$ "),
            "{name} must start with `$ COMMAND`"
        );
        let args = match side {
            "rust" => command.split_once(" -- ").map(|(_, a)| a),
            _ => command.split_once(".py").map(|(_, a)| a),
        };
        let args = args
            .unwrap_or("")
            .split_whitespace()
            .map(String::from)
            .collect();
        found.push((program, args, output.to_string()));
    }
    found.sort();
    found
}

fn sorted(text: &str) -> Vec<String> {
    let mut lines = normalise(text);
    lines.sort();
    lines
}

/// The debug binaries, built first if this test runs alone.
fn bin_dir() -> PathBuf {
    let target = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("target/tmp is inside target/")
        .to_path_buf();
    let bins = target.join("debug");
    let missing = captured("rust")
        .iter()
        .any(|(program, _, _)| !bins.join(program).exists());
    if missing {
        let mut cargo = Command::new(env!("CARGO"));
        cargo
            .args(["build", "--workspace", "--bins", "--quiet"])
            .current_dir(env!("CARGO_MANIFEST_DIR"));
        let built = command_within(cargo, Duration::from_secs(900));
        assert_eq!(built.code, Some(0), "cargo build failed: {built:?}");
    }
    bins
}

#[test]
fn every_program_of_the_registry_is_captured_with_its_arguments() {
    let registry = testkit::programs::load(&testkit::programs::workspace_root())
        .expect("the registry of programs reads");
    let (rust, python) = (captured("rust"), captured("python"));
    for program in &registry.programs {
        let (_, args, _) = rust
            .iter()
            .find(|(name, _, _)| *name == program.name)
            .unwrap_or_else(|| {
                panic!(
                    "no book/src/output/{}.rust.txt: run scripts/capture.sh",
                    program.name
                )
            });
        assert_eq!(
            *args, program.args,
            "{} was captured with other arguments than its registry entry's: run scripts/capture.sh",
            program.name
        );
        if program.twin.is_some() {
            assert!(
                python.iter().any(|(name, _, _)| *name == program.name),
                "no book/src/output/{}.python.txt: run scripts/capture.sh",
                program.name
            );
        }
    }
    // And nothing captured that the registry does not have.
    for (name, _, _) in rust.iter().chain(&python) {
        let program = name.split(" on ").next().expect("a name");
        assert!(
            registry.get(program).is_some(),
            "book/src/output has output of {name}, which the registry does not list"
        );
    }
}

#[test]
fn every_program_still_prints_the_captured_lines() {
    let programs = captured("rust");
    let bins = bin_dir();
    for (program, args, output) in programs {
        let exe = bins.join(&program);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let now = run_within(exe.to_str().expect("a UTF-8 path"), &args, RUN_LIMIT);
        assert_eq!(now.code, Some(0), "{program} failed: {now:?}");
        if now.stdout.starts_with("skipped: ") || output.starts_with("skipped: ") {
            skip(
                "every_program_still_prints_the_captured_lines",
                &format!("{program} skipped its run here or when captured"),
            );
            continue;
        }
        let printed = measured_as_one(&program, &format!("{}{}", now.stdout, now.stderr));
        let output = measured_as_one(&program, &output);
        let (only_now, only_captured) = difference(
            &sorted_lines_of(&program, &printed),
            &sorted_lines_of(&program, &output),
        );
        let source = crate_source(&output_dir().join(format!("{program}.rust.txt")));
        let stale: Vec<&String> = only_now
            .iter()
            .chain(&only_captured)
            .filter(|line| !words_in_source(line, &source))
            .collect();
        assert!(
            stale.is_empty(),
            "{program} no longer prints what book/src/output/{program}.rust.txt shows \
             (lines whose words are not in its source: {stale:?}): run scripts/capture.sh\n\
             --- now:\n{printed}\n--- captured:\n{output}"
        );
    }
}

#[test]
fn every_captured_twin_prints_the_rust_lines() {
    let rust = captured("rust");
    let python = captured("python");
    assert!(
        !python.is_empty(),
        "no captured Python runs: run scripts/capture.sh"
    );
    for (captured_as, _, output) in python {
        // `lock-deadlock on 3.14t`: an interpreter's own file, checked the same way.
        let program = captured_as
            .split(" on ")
            .next()
            .expect("a name")
            .to_string();
        let (_, _, rust_output) = rust
            .iter()
            .find(|(p, _, _)| *p == program)
            .unwrap_or_else(|| panic!("{captured_as}: no Rust run of {program} captured"));
        if output.starts_with("skipped: ")
            || rust_output.starts_with("skipped: ")
            || TWIN_CHECKED_ELSEWHERE.contains(&program.as_str())
        {
            continue;
        }
        // A twin that names itself in a line says `x_y.py` where its program says `x-y`,
        // and Python calls the main thread MainThread where Rust says main.
        let mut output = output
            .replace(&format!("{}.py", program.replace('-', "_")), &program)
            .replace("MainThread", "main");
        for (_, python, rust) in PYTHON_WORDS.iter().filter(|(p, _, _)| *p == program) {
            output = output.replace(python, rust);
        }
        // Where Python cannot do what Rust shows, the twin prints a line saying what
        // Python does instead: such a line, naming Python or its GIL, may stand where a
        // Rust line stands. Every other line must be the same.
        let (python_only, mut rust_only) = difference(&sorted(&output), &sorted(rust_output));
        rust_only.retain(|line| {
            !RUST_ONLY
                .iter()
                .any(|(p, start)| *p == program && line.starts_with(start))
        });
        assert!(
            python_only
                .iter()
                .all(|l| l.contains("Python") || l.contains("GIL"))
                && rust_only.len() <= python_only.len(),
            "{captured_as}: the captured Python and Rust runs differ: run scripts/capture.sh\n\
             only in Python: {python_only:#?}\nonly in Rust: {rust_only:#?}"
        );
    }
}

/// The lines only in `a` and the lines only in `b`, counting repeats.
fn difference(a: &[String], b: &[String]) -> (Vec<String>, Vec<String>) {
    let mut count = std::collections::BTreeMap::<&str, i64>::new();
    for line in a {
        *count.entry(line).or_default() += 1;
    }
    for line in b {
        *count.entry(line).or_default() -= 1;
    }
    let (mut only_a, mut only_b) = (Vec::new(), Vec::new());
    for (line, n) in count {
        let side = if n > 0 { &mut only_a } else { &mut only_b };
        side.extend(std::iter::repeat_n(
            line.to_string(),
            n.unsigned_abs() as usize,
        ));
    }
    (only_a, only_b)
}

/// The Rust source of the crate a captured file's command names (`$ cargo run -p CRATE`),
/// every `.rs` file under its `src/`, joined.
fn crate_source(captured_file: &Path) -> String {
    let text = fs::read_to_string(captured_file).expect("a captured file");
    let package = text
        .split_whitespace()
        .skip_while(|w| *w != "-p")
        .nth(1)
        .unwrap_or_else(|| panic!("{} names no `-p CRATE`", captured_file.display()));
    let mut source = String::new();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut dirs = vec![root.join(package).join("src")];
    for (_, other) in PRINTS_FROM.iter().filter(|(p, _)| *p == package) {
        dirs.push(root.join(other).join("src"));
    }
    while let Some(dir) = dirs.pop() {
        for entry in fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                source += &fs::read_to_string(&path).expect("source is UTF-8");
            }
        }
    }
    source
}

/// Whether every stretch of words of a normalised `line` (the text between its numbers,
/// where it is at least 4 characters long) appears in `source`.
fn words_in_source(line: &str, source: &str) -> bool {
    line.split('N')
        .map(str::trim)
        .filter(|piece| piece.len() >= 4)
        .all(|piece| source.contains(piece))
}
