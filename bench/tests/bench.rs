//! Runs the real bench binary in its --smoke mode (tiny sizes) and checks what it reports, never how fast.
// Tests may unwrap (clippy.toml allows it in #[test] functions; these helpers are test code too).
#![allow(clippy::unwrap_used)]

use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_bench");

/// A fresh directory under the system temp dir, removed by the caller.
fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("bench-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn python_present() -> bool {
    Command::new("python3")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

fn run_tiny(dir: &Path, python: Option<&str>, groups: &[&str]) -> Value {
    let mut cmd = Command::new(BIN);
    cmd.args(groups).arg("--smoke").arg("--out").arg(dir);
    if let Some(p) = python {
        cmd.env("BENCH_PYTHON", p);
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "bench failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("### targets"),
        "no table on stdout:\n{stdout}"
    );
    let text = std::fs::read_to_string(dir.join("results.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// A figure: an object whose median, min and max are numbers with min <= median <= max.
fn is_fig(v: &Value) -> bool {
    let n = |k: &str| v[k].as_f64().filter(|x| x.is_finite());
    match (n("median"), n("min"), n("max")) {
        (Some(med), Some(lo), Some(hi)) => lo <= med && med <= hi && v["samples"].is_array(),
        _ => false,
    }
}

fn skipped(row: &Value) -> bool {
    row["notes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|n| n.as_str().unwrap().contains("skipped"))
}

#[test]
fn tiny_run_fills_every_group_in_results_json() {
    let dir = temp_dir("full");
    let json = run_tiny(&dir, None, &[]);
    let env = &json["environment"];
    assert!(env["cores"].as_u64().unwrap() >= 1);
    for key in ["kernel", "rustc", "python", "os", "cpu"] {
        assert!(
            !env[key].as_str().unwrap().is_empty(),
            "environment.{key} empty"
        );
    }
    assert!(env["rustc"].as_str().unwrap().starts_with("rustc "));
    assert!(
        env.get("vm").is_some(),
        "environment says nothing about a VM"
    );

    let rows = json["rows"].as_array().unwrap();
    for when in ["calibration", "calibration_end"] {
        let speedup = &env[when]["speedup"];
        assert!(is_fig(speedup), "no {when} figure: {speedup}");
    }
    let groups = ["cpu", "io", "spawn", "ipc", "locks", "realworld"];
    for group in groups {
        let n = rows.iter().filter(|r| r["group"] == group).count();
        assert!(n >= 4, "group {group} has only {n} rows");
    }
    // How long each group took, in the order they ran: where a run's time goes.
    let timed: Vec<&str> = env["group_seconds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|pair| {
            assert!(pair[1].as_f64().is_some_and(|s| s > 0.0), "{pair}");
            pair[0].as_str().unwrap()
        })
        .collect();
    assert_eq!(timed, groups);
    for row in rows {
        let what = format!(
            "{} / {} / {}",
            row["group"], row["item"], row["rust_variant"]
        );
        // null: no Rust counterpart (Python's subinterpreters); "n/a" would be a failure.
        let no_rust = row["rust"].is_null() && row["rust_variant"] == "interpreters";
        assert!(
            is_fig(&row["rust"]) || skipped(row) || no_rust,
            "Rust figure missing: {what}"
        );
        // The Python column: a figure or "n/a"; null only where no counterpart exists.
        let py = &row["python"];
        if row["python_variant"].is_null() {
            assert!(py.is_null(), "no counterpart but a Python value: {what}");
        } else {
            assert!(is_fig(py) || py == "n/a", "Python column is {py}: {what}");
        }
        assert_ne!(row["answers_agree"], false, "answers differ: {what}");
        match row["group"].as_str().unwrap() {
            "cpu" if no_rust => {}
            "cpu" => {
                assert!(row["rust_speedup"].as_f64().is_some(), "no speedup: {what}");
                // Parallel rows carry the plain busy threads' speedup from the same rounds.
                let parallel = row["workers"].as_u64().is_some_and(|w| w > 1);
                let plain = row["plain_threads"].as_f64();
                assert_eq!(
                    plain.is_some_and(|x| x > 0.0),
                    parallel,
                    "{what}: {plain:?}"
                );
                // A Python figure has its speedup, against the sequential run of its own
                // process; the sequential row's is 1.
                if is_fig(&row["python"]) {
                    let speedup = row["python_speedup"].as_f64();
                    assert!(
                        speedup.is_some_and(|s| s > 0.0),
                        "no Python speedup: {what}"
                    );
                    if row["rust_variant"] == "sequential" {
                        assert_eq!(speedup, Some(1.0), "{what}");
                    }
                }
            }
            "ipc" => {
                // Channels and queues run with both sides pinned, on one core or on two.
                let label = row["rust_variant"].as_str().unwrap();
                if label.contains("two threads") {
                    let pinned = row["notes"].as_array().unwrap().iter().any(|n| {
                        let n = n.as_str().unwrap();
                        n.contains("pinned to CPU") || n.contains("pinned to its own core")
                    });
                    assert!(pinned, "not pinned: {what}");
                }
            }
            "io" => {
                let mem = &row["rust_peak_mib"];
                assert!(is_fig(mem) || skipped(row), "no peak memory: {what}");
            }
            "realworld" => {
                assert!(row["rust_speedup"].as_f64().is_some(), "no speedup: {what}");
                assert!(is_fig(&row["rust_peak_mib"]), "no peak memory: {what}");
                if is_fig(&row["python"]) {
                    assert!(is_fig(&row["python_peak_mib"]), "no Python memory: {what}");
                }
            }
            _ => {}
        }
    }
    // With python3 present, the Python columns hold real numbers.
    if python_present() {
        let measured = rows.iter().filter(|r| is_fig(&r["python"])).count();
        let expected = rows
            .iter()
            .filter(|r| !r["python_variant"].is_null() && !skipped(r))
            .count();
        assert_eq!(measured, expected, "some Python figures are missing");
    }
    let targets = json["targets"].as_array().unwrap();
    for t in targets {
        for key in ["id", "target", "figure", "status"] {
            assert!(
                t[key].as_str().is_some_and(|s| !s.is_empty()),
                "{key} empty: {t}"
            );
        }
    }
    // One target per realworld case at least, each measured.
    for case in ["words", "hash", "scrape"] {
        let id = format!("realworld.{case}.best");
        let t = targets.iter().find(|t| t["id"] == id.as_str()).unwrap();
        assert_eq!(t["status"], "shown", "{t}");
    }
    let md = std::fs::read_to_string(dir.join("results.md")).unwrap();
    assert!(md.starts_with("Machine: ") && md.contains("\nCalibration: two plain busy threads"));
    assert!(md.contains("| workload | variant |") && md.contains("### realworld"));
    for chart in [
        "cpu_speedup.svg",
        "io_wall.svg",
        "io_memory.svg",
        "realworld.svg",
    ] {
        let svg = std::fs::read_to_string(dir.join(chart)).unwrap();
        let drawn = if chart == "realworld.svg" {
            svg.matches("<rect").count() > 10 // the background and a bar per variant
        } else {
            svg.contains("<polyline")
        };
        assert!(svg.contains("<svg") && drawn, "{chart} has nothing drawn");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn without_python_the_python_columns_say_na() {
    let dir = temp_dir("nopython");
    // A second build named and missing too: its column says n/a, and the rest still runs.
    let missing = "/nonexistent/python3.14t";
    let both = format!("/nonexistent/python3:{missing}");
    let json = run_tiny(&dir, Some(&both), &["cpu", "locks"]);
    assert!(
        json["environment"]["python"]
            .as_str()
            .unwrap()
            .starts_with("n/a")
    );
    let rows = json["rows"].as_array().unwrap();
    assert!(rows.iter().any(|r| r["group"] == "cpu") && rows.iter().any(|r| r["group"] == "locks"));
    assert!(
        !rows.iter().any(|r| r["group"] == "io"),
        "io ran though not asked for"
    );
    for row in rows {
        let no_rust = row["rust_variant"] == "interpreters";
        assert!(
            is_fig(&row["rust"]) || no_rust,
            "Rust figure missing without Python: {row}"
        );
        if !row["python_variant"].is_null() {
            assert_eq!(row["python"], "n/a");
            let builds = row["builds"].as_array().unwrap();
            assert_eq!(builds.len(), 1, "{row}");
            assert_eq!(builds[0]["build"], missing);
            assert_eq!(builds[0]["python"], "n/a");
        }
    }
    let notes: Vec<&Value> = rows
        .iter()
        .flat_map(|r| r["notes"].as_array().unwrap())
        .collect();
    assert!(
        notes.iter().any(|n| n.as_str().unwrap().contains(missing)),
        "no note says {missing} is missing: {notes:?}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn rust_and_python_compute_the_same_answers() {
    let out = Command::new(BIN).arg("check").output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    let checks = json["checks"].as_array().unwrap();
    assert!(checks.len() >= 20, "too few checks: {}", checks.len());
    // Facts that hold without Python: 2262 primes below 20000, the series near pi, every
    // variant of a workload agreeing with the sequential one.
    // Each check's "rust" is the part of the Python script's JSON that must be the same.
    let expected = |name: &str| checks.iter().find(|c| c["name"] == name).unwrap()["rust"].clone();
    let rust = |name: &str| {
        let e = expected(name);
        let cpu = e
            .as_object()
            .unwrap()
            .values()
            .find(|v| v.get("answer").is_some());
        match (name.starts_with("cpu "), cpu) {
            (true, Some(part)) => part["answer"].clone(),
            _ => e["answer"].clone(),
        }
    };
    assert_eq!(rust("cpu primes sequential"), 2262);
    let pi = rust("cpu leibniz sequential").as_f64().unwrap();
    assert!(
        (pi - std::f64::consts::PI).abs() < 1e-3,
        "Leibniz gave {pi}"
    );
    // Every wait and every HTTP request completed.
    assert_eq!(rust("io tokio"), 50);
    assert_eq!(rust("io http-tokio"), 20);
    assert_eq!(rust("io http-threads"), 20);
    for kind in ["primes", "leibniz", "bsearch"] {
        let seq = rust(&format!("cpu {kind} sequential"));
        for v in ["threads", "processes", "pool", "rayon"] {
            assert_eq!(rust(&format!("cpu {kind} {v}")), seq, "{kind} {v}");
        }
    }
    if !python_present() {
        eprintln!("python3 not found: Rust answers checked alone");
        return;
    }
    let scripts = Path::new(env!("CARGO_MANIFEST_DIR")).join("python");
    // The HTTP checks need a server: the bench's own, started in its child role.
    let mut server = Command::new(BIN)
        .args(["child", "io", r#"{"HttpServer":{"delay_ms":1}}"#])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut port = String::new();
    BufReader::new(server.stdout.take().unwrap())
        .read_line(&mut port)
        .unwrap();
    let port = port.trim().to_string();
    for c in checks {
        let args: Vec<&str> = c["args"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap())
            .map(|a| if a == "PORT" { port.as_str() } else { a })
            .collect();
        let out = Command::new("python3")
            .arg(scripts.join(c["script"].as_str().unwrap()))
            .args(&args)
            // The scripts import measure.py: leave no __pycache__ in the source tree.
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}: {}",
            c["name"],
            String::from_utf8_lossy(&out.stderr)
        );
        let py: Value = serde_json::from_slice(&out.stdout).unwrap();
        // Exact equality, floats included: both sides add the same terms in the same order.
        for (key, want) in c["rust"].as_object().unwrap() {
            let got = &py[key];
            let (got, want) = match want.get("answer") {
                Some(answer) => (&got["answer"], answer), // cpu.py: {VARIANT: {"answer"}}
                None => (got, want),
            };
            assert_eq!(got, want, "{} with {args:?}", c["name"]);
        }
    }
    // Closing its stdin stops the server.
    drop(server.stdin.take());
    assert!(server.wait().unwrap().success());
}

#[test]
fn realworld_answers_agree_between_rust_and_python() {
    let dir = temp_dir("realworld");
    let json = run_tiny(&dir, None, &["realworld"]);
    let rows = json["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 10, "4 words, 4 hash, 2 scrape rows");
    for row in rows {
        let what = format!("{} / {}", row["item"], row["rust_variant"]);
        if python_present() && !row["python_variant"].is_null() {
            assert_eq!(row["answers_agree"], true, "{what}: {row}");
        }
        // Every Rust variant of a case gives the answer its sequential (first) row gives.
        let first = rows.iter().find(|r| r["item"] == row["item"]).unwrap();
        assert_eq!(row["rust_answer"], first["rust_answer"], "{what}");
    }
    let answer = |prefix: &str| {
        let row = rows
            .iter()
            .find(|r| r["item"].as_str().unwrap().starts_with(prefix));
        row.unwrap()["rust_answer"].clone()
    };
    // The smoke sizes: 20 files of 200,000 to 600,000 bytes in all, 20 pages of 5 links.
    let tree = answer("SHA-256");
    assert_eq!(tree["files"], 20);
    assert_eq!(tree["digest"].as_str().unwrap().len(), 64);
    let scrape = answer("scrape");
    assert_eq!(scrape["pages"], 20);
    assert_eq!(scrape["links"], 100);
    let words = answer("word");
    let top = words.as_array().unwrap();
    assert_eq!(top.len(), 20);
    let counts: Vec<u64> = top.iter().map(|w| w[1].as_u64().unwrap()).collect();
    assert!(
        counts.windows(2).all(|p| p[0] >= p[1]),
        "not most frequent first: {words}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_reader_that_stops_early_ends_the_report_quietly() {
    // `bench | head`: the reader closes the pipe before the report is written.
    let mut child = Command::new(BIN)
        .args(["locks", "--smoke"])
        .env("BENCH_PYTHON", "/nonexistent/python3")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{:?}: {stderr}", out.status);
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn help_exits_zero_and_bad_arguments_are_refused() {
    assert!(testkit::assert_help(BIN).contains("Usage: bench"));
    // clap's own error for an unknown group or flag: exit 2, nothing on stdout.
    for bad in [["--bogus"], ["nogroup"]] {
        let out = Command::new(BIN).args(bad).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{bad:?}");
        assert!(out.stdout.is_empty());
        assert!(String::from_utf8_lossy(&out.stderr).starts_with("error: "));
    }
    testkit::assert_usage_error(BIN, &["--baseline", "/nonexistent/results.json"]);
}

/// Runs the locks group (tiny, without Python) with `args`; returns the exit code, stdout and
/// stderr.
fn refused(args: &[&std::ffi::OsStr]) -> (Option<i32>, String, String) {
    let out = Command::new(BIN)
        .args(["locks", "--smoke"])
        .args(args)
        .env("BENCH_PYTHON", "/nonexistent/python3")
        .output()
        .unwrap();
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    (out.status.code(), text(&out.stdout), text(&out.stderr))
}

#[test]
fn an_out_dir_that_cannot_be_written_is_refused_before_measuring() {
    let dir = temp_dir("unwritable");
    std::fs::create_dir_all(&dir).unwrap();
    // A directory inside a plain file cannot be made, whoever runs the test (root too).
    let file = dir.join("a-file");
    std::fs::write(&file, "").unwrap();
    let out = file.join("results");
    let (code, stdout, stderr) = refused(&["--out".as_ref(), out.as_os_str()]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("cannot write into --out") && stderr.contains("a-file"),
        "{stderr}"
    );
    // Nothing was measured: the report was never printed.
    assert!(stdout.is_empty(), "{stdout}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_baseline_without_rows_is_refused_before_measuring() {
    let dir = temp_dir("norows");
    std::fs::create_dir_all(&dir).unwrap();
    let baseline = dir.join("results.json");
    std::fs::write(&baseline, r#"{"rows": [], "targets": []}"#).unwrap();
    let (code, stdout, stderr) = refused(&["--baseline".as_ref(), baseline.as_os_str()]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("holds no rows"), "{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    std::fs::remove_dir_all(&dir).unwrap();
}
