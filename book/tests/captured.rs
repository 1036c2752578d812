//! The output the book shows is the output the programs print today. `scripts/capture.sh`
//! writes `book/src/output/PROGRAM.rust.txt` and `PROGRAM.python.txt`, and
//! `PROGRAM.python-VERSION.txt` for an interpreter whose lines differ (e.g.
//! `lock-deadlock.python-3.14t.txt`): a first line `$ ...` with the command, then what it
//! printed on stdout and stderr. Every program of the registry (testkit::programs) is
//! captured. Here each program and each captured twin runs again, with its registry
//! arguments (a twin on the interpreter it was captured with), and must print the captured
//! lines (numbers aside, in any order, since concurrent lines interleave).
//!
//! Whether a twin prints its program's lines is checked in one place, its crate's twin test
//! (tests/twin.rs, on every interpreter, and under every start method for the
//! multiprocessing twins). Here each capture is checked against its own side only.
//!
//! Some lines depend on the machine's load: a race that lost nothing this time, threads that
//! got fewer cores than asked. A line seen in only one of the two runs passes when its words
//! are still in the program's source, so it is a branch not taken this time; a line whose
//! words the source no longer has is stale, and fails.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use testkit::twin::{self, normalise, skip};
use testkit::{command_within, run_within};

const RUN_LIMIT: Duration = Duration::from_secs(120);

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
    // And nothing captured that the registry does not have, each twin with its arguments.
    for (name, args, _) in rust.iter().chain(&python) {
        let program = name.split(" on ").next().expect("a name");
        let entry = registry.get(program).unwrap_or_else(|| {
            panic!("book/src/output has output of {name}, which the registry does not list")
        });
        assert_eq!(
            *args, entry.args,
            "{name} was captured with other arguments than its registry entry's: run scripts/capture.sh"
        );
    }
}

#[test]
fn every_program_still_prints_the_captured_lines() {
    let test = "every_program_still_prints_the_captured_lines";
    let bins = bin_dir();
    for (program, args, output) in captured("rust") {
        let exe = bins.join(&program);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let now = run_within(exe.to_str().expect("a UTF-8 path"), &args, RUN_LIMIT);
        assert_eq!(now.code, Some(0), "{program} failed: {now:?}");
        let file = format!("{program}.rust.txt");
        let source = crate_source(&output_dir().join(&file));
        still_prints(test, &program, &file, &now, &output, &source);
    }
}

/// Each captured Python run, run again on the interpreter its file names (`python3` for
/// PROGRAM.python.txt, the default of scripts/capture.sh) with its registry arguments, in its crate's directory. That
/// a twin prints its program's lines is its crate's twin test's to check (tests/twin.rs, on
/// every interpreter); this checks that the book shows what the twin prints today.
#[test]
fn every_twin_still_prints_the_captured_lines() {
    let test = "every_twin_still_prints_the_captured_lines";
    let registry = testkit::programs::load(&testkit::programs::workspace_root())
        .expect("the registry of programs reads");
    let python = captured("python");
    assert!(
        !python.is_empty(),
        "no captured Python runs: run scripts/capture.sh"
    );
    let mut usable = std::collections::HashMap::new();
    for (captured_as, _, output) in python {
        // `lock-deadlock on 3.14t`: the run of one build, in PROGRAM.python-3.14t.txt.
        let (program, build) = match captured_as.split_once(" on ") {
            Some((program, build)) => (program, Some(build)),
            None => (captured_as.as_str(), None),
        };
        let entry = registry
            .get(program)
            .unwrap_or_else(|| panic!("{captured_as}: {program} is not in the registry"));
        let twin = entry
            .twin
            .as_ref()
            .expect("a program with a captured twin has one");
        if let Some(command) = entry.missing_command() {
            skip(test, &format!("{captured_as}: no {command} on PATH"));
            continue;
        }
        // Asked once per set of modules, so each absent interpreter is said once per set.
        let usable = usable
            .entry(entry.python_modules.clone())
            .or_insert_with(|| {
                let modules: Vec<&str> = entry.python_modules.iter().map(String::as_str).collect();
                twin::pythons(test, &modules)
            });
        let Some(interpreter) = usable.iter().find(|p| build_of(p).as_deref() == build) else {
            let name = build.map_or("python3".to_string(), |b| format!("CPython {b}"));
            skip(
                test,
                &format!("{captured_as}: no {name} here that can run it (said above)"),
            );
            continue;
        };
        if let Some((major, minor)) = entry
            .min_python
            .filter(|&v| !interpreter.at_least(v.0, v.1))
        {
            skip(
                test,
                &format!("{captured_as}: needs Python {major}.{minor}, {interpreter} is older"),
            );
            continue;
        }
        let dir = twin.parent().expect("a twin is a file in its crate");
        let name = twin.file_name().expect("a file").to_string_lossy();
        let mut cmd = interpreter.command(dir.to_str().expect("a UTF-8 path"), &name, None);
        cmd.args(&entry.args);
        let now = command_within(cmd, RUN_LIMIT);
        assert_eq!(now.code, Some(0), "{captured_as} failed: {now:?}");
        let file = match build {
            Some(build) => format!("{program}.python-{build}.txt"),
            None => format!("{program}.python.txt"),
        };
        let source = fs::read_to_string(twin).expect("a twin is UTF-8");
        still_prints(test, program, &file, &now, &output, &source);
    }
}

/// The build a captured file names for `python`: none for `python3`, else `3.14` or
/// `3.14t`, as scripts/capture.sh names it.
fn build_of(python: &twin::Python) -> Option<String> {
    if python.program == "python3" {
        return None;
    }
    let (major, minor, _) = python.version;
    let t = if python.free_threaded { "t" } else { "" };
    Some(format!("{major}.{minor}{t}"))
}

/// Checks that `now`, a run of `program`, printed the lines captured in `file` (`captured`),
/// numbers aside and in any order. A line in only one of the two must be a branch not
/// taken this time: its words must still be in `source`.
fn still_prints(
    test: &str,
    program: &str,
    file: &str,
    now: &testkit::Outcome,
    captured: &str,
    source: &str,
) {
    if now.stdout.starts_with("skipped: ") || captured.starts_with("skipped: ") {
        skip(
            test,
            &format!("{file}: the run skipped here or when captured"),
        );
        return;
    }
    let mut printed = now.stdout.clone();
    if !printed.is_empty() && !printed.ends_with('\n') {
        printed.push('\n');
    }
    let printed = measured_as_one(program, &(printed + &now.stderr));
    let captured = measured_as_one(program, captured);
    let captured_lines = sorted_lines_of(program, &captured);
    let (only_now, only_captured) =
        difference(&sorted_lines_of(program, &printed), &captured_lines);
    // A branch not taken is a line or two: a run that printed less than half of what was
    // captured (nothing at all, say) is not that run.
    assert!(
        only_captured.len() * 2 <= captured_lines.len(),
        "{program} printed only {} of the {} lines of book/src/output/{file}:\n\
         --- now:\n{printed}\n--- captured:\n{captured}",
        captured_lines.len() - only_captured.len(),
        captured_lines.len()
    );
    let stale: Vec<&String> = only_now
        .iter()
        .chain(&only_captured)
        .filter(|line| !words_in_source(line, source))
        .collect();
    assert!(
        stale.is_empty(),
        "{program} no longer prints what book/src/output/{file} shows \
         (lines whose words are not in its source: {stale:?}): run scripts/capture.sh\n\
         --- now:\n{printed}\n--- captured:\n{captured}"
    );
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

/// Whether every stretch of words of a normalised `line` (the text between its numbers and
/// its brackets and colons, where a format string's values go, at least 4 characters long)
/// appears in `source`.
fn words_in_source(line: &str, source: &str) -> bool {
    line.split(|c| c == 'N' || "():[]{},".contains(c))
        .map(str::trim)
        .filter(|piece| piece.len() >= 4)
        .all(|piece| source.contains(piece))
}

#[test]
fn a_line_built_from_pieces_of_the_source_is_in_it_and_a_reworded_one_is_not() {
    let source = r#"for label in ["inline", "thread pool"]:
    print(f"{label}: /hello took {t:.2f} s while /primes ran ({judged})")
    return "the event loop stayed free""#;
    let line = "thread pool: /hello took N s while /primes ran (the event loop stayed free)";
    assert!(words_in_source(line, source));
    let reworded = "thread pool: /hello took N s while /primes ran (the loop was free)";
    assert!(!words_in_source(reworded, source));
}
