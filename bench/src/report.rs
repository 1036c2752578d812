//! Turns rows into the Markdown table, the target check and results.json.

use crate::model::{Cell, Cfg, Row};
use crate::stats::Fig;
use serde::Serialize;
use std::fmt::Write as _;

#[derive(Serialize)]
pub struct Env {
    pub mode: crate::model::Mode,
    pub cores: usize,
    pub os: &'static str,
    pub arch: &'static str,
    pub kernel: String,
    pub cpu: String,
    pub rustc: &'static str,
    pub python: String,
    /// The `hypervisor` CPU flag: set inside a virtual machine.
    pub vm: Option<bool>,
    /// What systemd-detect-virt says (VM or container), where it exists.
    pub virtualization: Option<String>,
    /// 1-minute load average when the run started: a busy machine gives noisy figures.
    pub load_average_start: Option<f64>,
    pub repeats: usize,
    pub warmup: usize,
    pub unix_time: u64,
}

fn read(path: &str) -> Option<String> {
    std::fs::read_to_string(path).ok()
}

pub fn load_average() -> Option<f64> {
    read("/proc/loadavg")?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

impl Env {
    pub fn collect(cfg: &Cfg) -> Env {
        let cpuinfo = read("/proc/cpuinfo").unwrap_or_default();
        let cpu = cpuinfo
            .lines()
            .find(|l| l.starts_with("model name"))
            .and_then(|l| l.split(':').nth(1))
            .map_or_else(|| "unknown".to_string(), |s| s.trim().to_string());
        let vm = (!cpuinfo.is_empty()).then(|| {
            cpuinfo
                .lines()
                .any(|l| l.starts_with("flags") && l.split_whitespace().any(|f| f == "hypervisor"))
        });
        let virtualization = std::process::Command::new("systemd-detect-virt")
            .output()
            .ok()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
            .filter(|s| !s.is_empty());
        Env {
            mode: cfg.mode,
            cores: cfg.cores,
            os: std::env::consts::OS,
            arch: std::env::consts::ARCH,
            kernel: read("/proc/sys/kernel/osrelease")
                .map_or_else(|| "unknown".to_string(), |s| s.trim().to_string()),
            cpu,
            rustc: env!("BENCH_RUSTC_VERSION"),
            python: match &cfg.python {
                Ok(py) => py.version.clone(),
                Err(why) => format!("n/a ({why})"),
            },
            vm,
            virtualization,
            load_average_start: load_average(),
            repeats: cfg.runs.repeats,
            warmup: cfg.runs.warmup,
            unix_time: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
        }
    }
}

/// Three significant figures, enough for noisy timings.
fn sig(x: f64) -> String {
    let a = x.abs();
    if a >= 100.0 {
        format!("{x:.0}")
    } else if a >= 10.0 {
        format!("{x:.1}")
    } else if a >= 1.0 {
        format!("{x:.2}")
    } else {
        format!("{x:.3}")
    }
}

/// The divisor and suffix that suit `x` in `unit`, so a median and its range share a scale.
fn scale(unit: &str, x: f64) -> (f64, String) {
    match unit {
        "s" if x >= 1.0 => (1.0, " s".into()),
        "s" if x >= 1e-3 => (1e-3, " ms".into()),
        "s" => (1e-6, " us".into()),
        "us/op" => (1.0, " us".into()),
        "ns/op" => (1.0, " ns".into()),
        "msg/s" if x >= 1e6 => (1e6, "M/s".into()),
        "msg/s" => (1e3, "k/s".into()),
        u => (1.0, format!(" {u}")),
    }
}

/// "median unit (min–max)", all three on the median's scale.
pub fn fig(f: &Fig) -> String {
    let (div, suffix) = scale(f.unit, f.median);
    format!(
        "{}{suffix} ({}–{})",
        sig(f.median / div),
        sig(f.min / div),
        sig(f.max / div)
    )
}

fn cell(c: &Cell) -> String {
    match c {
        Cell::Fig(f) => fig(f),
        Cell::Na => "n/a".into(),
        Cell::Absent => "—".into(),
    }
}

fn opt_cell(c: &Option<Cell>) -> String {
    c.as_ref().map_or_else(|| "n/a".into(), cell)
}

fn times(x: Option<f64>) -> String {
    x.map_or_else(|| "—".into(), |x| format!("{}x", sig(x)))
}

fn notes(out: &mut String, rows: &[&Row]) {
    let mut seen = Vec::new();
    for r in rows {
        for n in &r.notes {
            let line = format!("- {} / {}: {n}", r.item, r.rust_variant);
            if !seen.contains(&line) {
                seen.push(line);
            }
        }
    }
    for line in seen {
        let _ = writeln!(out, "{line}");
    }
}

/// The Markdown report: one table per group that ran.
pub fn markdown(rows: &[Row], env: &Env) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Machine: {} cores, {} {} ({}), kernel {}, {}{}; {}; Python: {}. Mode {:?}: warm-up {} + {} repeats, \
         median (min–max). Load average at start: {}.\n",
        env.cores,
        env.os,
        env.arch,
        env.cpu,
        env.kernel,
        match env.vm {
            Some(true) => "virtual machine",
            Some(false) => "no hypervisor flag",
            None => "VM unknown",
        },
        env.virtualization
            .as_deref()
            .map_or(String::new(), |v| format!(" (systemd-detect-virt: {v})")),
        env.rustc,
        env.python,
        env.mode,
        env.warmup,
        env.repeats,
        env.load_average_start
            .map_or("unknown".into(), |l| format!("{l:.2}")),
    );
    for group in ["cpu", "io", "spawn", "ipc", "locks"] {
        let rows: Vec<&Row> = rows.iter().filter(|r| r.group == group).collect();
        if rows.is_empty() {
            continue;
        }
        match group {
            "cpu" => {
                let _ = writeln!(
                    out,
                    "### cpu: time per run; speedup = sequential / this, same side\n\n\
                     | workload | variant | workers | Rust | Rust speedup | Python | Python speedup | Rust faster by |\n\
                     |---|---|---|---|---|---|---|---|"
                );
                for r in &rows {
                    let _ = writeln!(
                        out,
                        "| {} | {} | {} | {} | {} | {} | {} | {} |",
                        r.item,
                        r.rust_variant,
                        r.workers.unwrap_or(1),
                        cell(&r.rust),
                        times(r.rust_speedup),
                        cell(&r.python),
                        times(r.python_speedup),
                        times(r.rust_advantage)
                    );
                }
            }
            "io" => {
                let _ = writeln!(
                    out,
                    "### io: N concurrent waits; wall time and peak memory of a fresh process per run\n\n\
                     | N | Rust | wall | peak memory | Python | wall | peak memory | Rust faster by | Rust memory smaller by |\n\
                     |---|---|---|---|---|---|---|---|---|"
                );
                for r in &rows {
                    let mem_ratio = peak(&r.python_peak_mib)
                        .zip(peak(&r.rust_peak_mib))
                        .map(|(p, q)| p / q);
                    let _ = writeln!(
                        out,
                        "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                        r.workers.unwrap_or(0),
                        r.rust_variant,
                        cell(&r.rust),
                        opt_cell(&r.rust_peak_mib),
                        r.python_variant.as_deref().unwrap_or("—"),
                        cell(&r.python),
                        opt_cell(&r.python_peak_mib),
                        times(r.rust_advantage),
                        times(mem_ratio)
                    );
                }
            }
            _ => {
                let title = match group {
                    "spawn" => "spawn: cost of one start + join",
                    "ipc" => {
                        "ipc: throughput (higher is better) and round-trip latency (lower is better)"
                    }
                    _ => "locks: time per increment",
                };
                let _ = writeln!(
                    out,
                    "### {title}\n\n| measure | Rust | figure | Python | figure | Rust better by |\n|---|---|---|---|---|---|"
                );
                for r in &rows {
                    let _ = writeln!(
                        out,
                        "| {} | {} | {} | {} | {} | {} |",
                        r.item,
                        r.rust_variant,
                        cell(&r.rust),
                        r.python_variant.as_deref().unwrap_or("—"),
                        cell(&r.python),
                        times(r.rust_advantage)
                    );
                }
            }
        }
        let _ = writeln!(out);
        notes(&mut out, &rows);
        if rows.iter().any(|r| !r.notes.is_empty()) {
            let _ = writeln!(out);
        }
    }
    out
}

fn peak(c: &Option<Cell>) -> Option<f64> {
    c.as_ref().and_then(Cell::median)
}

/// One of BENCH.md's targets, checked against this run.
#[derive(Serialize)]
pub struct Target {
    pub target: String,
    pub figure: String,
    /// "met", "missed", "shown" (a figure to read, no threshold) or "not measured".
    pub status: &'static str,
}

fn find<'a>(rows: &'a [Row], group: &str, item: &str, variant: &str) -> Option<&'a Row> {
    rows.iter().find(|r| {
        r.group == group && r.item.starts_with(item) && r.rust_variant.starts_with(variant)
    })
}

fn check(
    target: impl Into<String>,
    value: Option<f64>,
    shown: impl Fn(f64) -> String,
    ok: impl Fn(f64) -> bool,
) -> Target {
    let target = target.into();
    match value {
        Some(v) if v.is_finite() => Target {
            target,
            figure: shown(v),
            status: if ok(v) { "met" } else { "missed" },
        },
        _ => Target {
            target,
            figure: "n/a".into(),
            status: "not measured",
        },
    }
}

pub fn targets(rows: &[Row], cores: usize, mode: crate::model::Mode) -> Vec<Target> {
    let mut out = Vec::new();
    let x = |v: f64| format!("{}x", sig(v));
    for kind in crate::work::Kind::ALL {
        let item = kind.describe(crate::cpu::size(mode, kind));
        let cpu_row = |variant: &str, workers: usize| {
            rows.iter().find(|r| {
                r.group == "cpu"
                    && r.item == item
                    && r.rust_variant == variant
                    && r.workers == Some(workers)
            })
        };
        let (par, seq) = (cpu_row("threads", cores), cpu_row("sequential", 1));
        let name = kind.name();
        let goal = 0.9 * cores as f64;
        out.push(check(
            format!("cpu {name}: Rust threads speedup >= {goal:.2} on {cores} cores"),
            par.and_then(|r| r.rust_speedup),
            x,
            |v| v >= goal,
        ));
        let procs = cpu_row("processes", cores);
        let py_procs = procs.and_then(|r| r.python_speedup).map_or("n/a".into(), x);
        out.push(check(
            format!("cpu {name}: Python threads speedup <= 1.05 (Python processes: {py_procs})"),
            par.and_then(|r| r.python_speedup),
            x,
            |v| v <= 1.05,
        ));
        out.push(check(
            format!("cpu {name}: Rust one core >= 25x CPython, same algorithm"),
            seq.and_then(|r| r.rust_advantage),
            x,
            |v| v >= 25.0,
        ));
    }
    out.push(check(
        "spawn: Rust fork+waitpid >= 10x cheaper than Python Process (fork)",
        find(rows, "spawn", "one start", "fork + waitpid").and_then(|r| r.rust_advantage),
        x,
        |v| v >= 10.0,
    ));
    out.push(check(
        "spawn: Rust Command re-exec >= 50x cheaper than Python Process (spawn)",
        find(rows, "spawn", "one start", "Command").and_then(|r| r.rust_advantage),
        x,
        |v| v >= 50.0,
    ));
    let queue = find(rows, "ipc", "messages", "std").and_then(|r| r.python.median());
    for chan in ["std", "crossbeam"] {
        let rust = find(rows, "ipc", "messages", chan).and_then(|r| r.rust.median());
        out.push(check(
            format!("ipc: {chan} channel >= 100x the messages/s of multiprocessing.Queue"),
            rust.zip(queue).map(|(r, q)| r / q),
            x,
            |v| v >= 100.0,
        ));
    }
    let pipe = find(rows, "ipc", "bandwidth", "pipe").and_then(|r| r.rust.median());
    let copy = find(rows, "ipc", "bandwidth", "memory copy").and_then(|r| r.rust.median());
    out.push(match pipe.zip(copy) {
        Some((p, c)) => Target {
            target: "ipc: pipe bandwidth beside an in-memory copy of the same bytes".into(),
            figure: format!(
                "pipe {} GB/s, copy {} GB/s ({:.0}% of the limit)",
                sig(p),
                sig(c),
                100.0 * p / c
            ),
            status: "shown",
        },
        None => Target {
            target: "ipc: pipe bandwidth beside an in-memory copy".into(),
            figure: "n/a".into(),
            status: "not measured",
        },
    });
    let tokio = |n: &str| {
        let item = format!("N = {n}");
        rows.iter()
            .find(|r| r.group == "io" && r.item == item && r.rust_variant.starts_with("tokio"))
    };
    out.push(check(
        "io: 100k waits of 100 ms in tokio, wall <= 0.25 s",
        tokio("100000").and_then(|r| r.rust.median()),
        |v| format!("{} s", sig(v)),
        |v| v <= 0.25,
    ));
    out.push(check(
        "io: 100k waits in tokio, peak memory <= 64 MiB",
        tokio("100000").and_then(|r| peak(&r.rust_peak_mib)),
        |v| format!("{} MiB", sig(v)),
        |v| v <= 64.0,
    ));
    out.push(check(
        "io: 1M waits in tokio (full run), peak memory <= 512 MiB",
        tokio("1000000").and_then(|r| peak(&r.rust_peak_mib)),
        |v| format!("{} MiB", sig(v)),
        |v| v <= 512.0,
    ));
    out.push(check(
        "io: 1M waits (full run), tokio >= 3x less memory than asyncio",
        tokio("1000000").and_then(|r| {
            peak(&r.python_peak_mib)
                .zip(peak(&r.rust_peak_mib))
                .map(|(p, q)| p / q)
        }),
        x,
        |v| v >= 3.0,
    ));
    let with_py = rows.iter().filter(|r| r.python_variant.is_some()).count();
    let filled = rows
        .iter()
        .filter(|r| matches!(r.python, Cell::Fig(_)))
        .count();
    // Rows skipped on purpose (both sides, above the thread limit) say why in their notes.
    let skipped = rows
        .iter()
        .filter(|r| r.python_variant.is_some() && r.notes.iter().any(|n| n.contains("skipped")))
        .count();
    out.push(Target {
        target: "every figure with its Python counterpart where one exists".into(),
        figure: format!(
            "{with_py} of {} rows have a Python counterpart: {filled} measured, {skipped} skipped on both sides",
            rows.len()
        ),
        status: if filled + skipped == with_py { "met" } else { "missed" },
    });
    out
}

pub fn targets_markdown(targets: &[Target]) -> String {
    let mut out =
        String::from("### targets (BENCH.md)\n\n| target | this run | status |\n|---|---|---|\n");
    for t in targets {
        let _ = writeln!(out, "| {} | {} | {} |", t.target, t.figure, t.status);
    }
    out
}
