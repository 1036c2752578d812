//! io group: N concurrent waits, each variant in a fresh process so its peak memory is its own.

use crate::model::{Cell, Cfg, Mode, Row};
use crate::stats::{Fig, Res};
use serde_json::{Value, json};
use std::process::Command;
use std::time::{Duration, Instant};

/// More OS threads than this are not started: each has its own stack and kernel task, and a
/// shared machine (or a low `ulimit -u`) may refuse long before 100k. The quick run stops at
/// 1000 to stay under a minute (10k threads take seconds to start in Python).
pub fn thread_limit(mode: Mode) -> usize {
    mode.pick(1_000, 1_000, 10_000)
}

pub fn counts(mode: Mode) -> Vec<usize> {
    mode.pick(
        vec![10, 100],
        vec![1_000, 10_000, 100_000],
        vec![1_000, 10_000, 100_000, 1_000_000],
    )
}

pub fn delay_ms(mode: Mode) -> u64 {
    mode.pick(10, 100, 100)
}

/// (Rust variant, its Python counterpart): the role names used by `bench __io` and io.py.
pub const PAIRS: [(&str, &str); 2] = [("tokio", "asyncio"), ("threads", "threads")];

fn label(rust: &str) -> &'static str {
    if rust == "tokio" {
        "tokio tasks"
    } else {
        "OS threads"
    }
}

pub fn planned(cfg: &Cfg) -> u64 {
    (counts(cfg.mode).len() * PAIRS.len() * 2) as u64
}

/// The helper role: waits `n` times `delay_ms` at once, then prints the wall time and the
/// process's peak resident memory as JSON on stdout.
pub fn role(args: &[String]) -> Res<()> {
    let [variant, n, delay] = args else {
        return Err("usage: __io tokio|threads N DELAY_MS".into());
    };
    let n: usize = n.parse()?;
    let delay = Duration::from_millis(delay.parse()?);
    let (answer, wall) = match variant.as_str() {
        "tokio" => {
            let rt = tokio::runtime::Runtime::new()?;
            rt.block_on(async {
                let start = Instant::now();
                let handles: Vec<_> = (0..n)
                    .map(|_| {
                        tokio::spawn(async move {
                            tokio::time::sleep(delay).await;
                            1u64
                        })
                    })
                    .collect();
                let mut done = 0;
                for h in handles {
                    done += h.await?;
                }
                Ok::<_, tokio::task::JoinError>((done, start.elapsed()))
            })?
        }
        "threads" => {
            let start = Instant::now();
            let mut handles = Vec::with_capacity(n);
            for _ in 0..n {
                handles.push(std::thread::Builder::new().spawn(move || {
                    std::thread::sleep(delay);
                    1u64
                })?);
            }
            let mut done = 0;
            for h in handles {
                done += h.join().map_err(|_| "a waiting thread panicked")?;
            }
            (done, start.elapsed())
        }
        other => return Err(format!("unknown io variant {other}").into()),
    };
    let peak = peak_kib().map_or(Value::Null, |k| json!(k));
    println!(
        "{}",
        json!({"answer": answer, "wall": wall.as_secs_f64(), "peak_kib": peak})
    );
    Ok(())
}

/// Peak resident memory of this process so far, in KiB.
#[cfg(unix)]
fn peak_kib() -> Option<u64> {
    use nix::sys::resource::{UsageWho, getrusage};
    let rss = getrusage(UsageWho::RUSAGE_SELF).ok()?.max_rss();
    // Linux reports KiB, macOS bytes.
    let kib = if cfg!(target_os = "macos") {
        rss / 1024
    } else {
        rss
    };
    u64::try_from(kib).ok()
}

#[cfg(not(unix))]
fn peak_kib() -> Option<u64> {
    None
}

/// Runs one Rust variant once in a child process and returns its JSON.
pub fn rust_once(cfg: &Cfg, variant: &str, n: usize) -> Result<Value, String> {
    child(&cfg.exe, variant, n, delay_ms(cfg.mode))
}

/// Starts `exe __io VARIANT N DELAY_MS` and reads the JSON it prints.
pub fn child(
    exe: &std::path::Path,
    variant: &str,
    n: usize,
    delay_ms: u64,
) -> Result<Value, String> {
    let out = Command::new(exe)
        .args(["__io", variant, &n.to_string(), &delay_ms.to_string()])
        .output()
        .map_err(|e| format!("starting the io child: {e}"))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        return Err(err.lines().last().unwrap_or("io child failed").to_string());
    }
    serde_json::from_slice(&out.stdout).map_err(|e| format!("io child printed bad JSON: {e}"))
}

pub fn python_once(cfg: &Cfg, variant: &str, n: usize) -> Result<Value, String> {
    let args = [
        variant.to_string(),
        n.to_string(),
        delay_ms(cfg.mode).to_string(),
    ];
    cfg.py("io.py", &args)
}

/// Repeats a one-shot child and gathers wall time and peak memory figures.
fn gather(
    cfg: &Cfg,
    once: impl Fn() -> Result<Value, String>,
) -> Result<(Fig, Option<Fig>, Value), String> {
    let (mut walls, mut peaks, mut answer) = (Vec::new(), Vec::new(), Value::Null);
    for _ in 0..cfg.runs.repeats {
        let v = once()?;
        walls.push(v["wall"].as_f64().ok_or("no wall time in the output")?);
        if let Some(k) = v["peak_kib"].as_f64() {
            peaks.push(k / 1024.0);
        }
        answer = v["answer"].clone();
    }
    let peak = (!peaks.is_empty()).then(|| Fig::new("MiB", peaks));
    Ok((Fig::new("s", walls), peak, answer))
}

pub fn run(cfg: &Cfg) -> Res<Vec<Row>> {
    let counts = counts(cfg.mode);
    let smallest = counts.first().copied().unwrap_or(1);
    // Warm-up: one throw-away child per variant at the smallest N loads the binaries and
    // interpreter into the page cache; each measured child then starts from the same state.
    if cfg.runs.warmup > 0 {
        cfg.step("io warm-up");
        for (rust, py) in PAIRS {
            let _ = rust_once(cfg, rust, smallest);
            let _ = python_once(cfg, py, smallest);
        }
    }
    let mut rows = Vec::new();
    for &n in &counts {
        for (rust, py) in PAIRS {
            let mut row = Row::new("io", format!("N = {n}"), label(rust));
            row.python_variant = Some(format!("Python {py}"));
            row.workers = Some(n);
            let limit = thread_limit(cfg.mode);
            let skip = rust == "threads" && n > limit;
            let skipped = || {
                let why = if cfg.mode == Mode::Full {
                    "safe limit"
                } else {
                    "quick run's limit"
                };
                format!(
                    "skipped: {n} threads is above the {why} of {limit} (the full run goes to 10000)"
                )
            };
            cfg.step(&format!("io N={n} Rust {rust}"));
            if skip {
                row.notes.push(format!("Rust: {}", skipped()));
            } else {
                match gather(cfg, || rust_once(cfg, rust, n)) {
                    Ok((wall, peak, answer)) => {
                        row.rust = Cell::Fig(wall);
                        row.rust_peak_mib = Some(peak.map_or(Cell::Na, Cell::Fig));
                        row.rust_answer = answer;
                    }
                    Err(e) => row.notes.push(format!("Rust: {e}")),
                }
            }
            cfg.done();
            cfg.step(&format!("io N={n} Python {py}"));
            let result = if skip {
                Err(skipped())
            } else {
                gather(cfg, || python_once(cfg, py, n))
            };
            match result {
                Ok((wall, peak, answer)) => {
                    row.python = Cell::Fig(wall);
                    row.python_peak_mib = Some(peak.map_or(Cell::Na, Cell::Fig));
                    row.python_answer = answer;
                }
                Err(e) => {
                    row.python = Cell::Na;
                    row.python_peak_mib = Some(Cell::Na);
                    row.notes.push(format!("Python: {e}"));
                }
            }
            if row.rust_peak_mib.is_none() {
                row.rust_peak_mib = Some(Cell::Na);
            }
            cfg.done();
            row.compare_answers();
            rows.push(row.finish());
        }
    }
    Ok(rows)
}
