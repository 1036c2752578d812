//! Turns rows into the Markdown report: the machine and its calibration, then one table per
//! group that ran.

use crate::env::Env;
use crate::group::Group;
use crate::row::{Cell, Row};
use crate::stats::Fig;
use crate::targets::sig;
use std::fmt::Write as _;

/// The divisor and suffix that suit `x` in `unit`, so a median and its range share a scale.
fn scale(unit: &str, x: f64) -> (f64, String) {
    match unit {
        "s" if x >= 1.0 => (1.0, " s".into()),
        "s" if x >= 1e-3 => (1e-3, " ms".into()),
        "s" => (1e-6, " us".into()),
        "MiB" if x >= 1024.0 => (1024.0, " GiB".into()),
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
    let speedup = |c: &Option<crate::calibrate::Calibration>| {
        c.as_ref().map_or("not measured".to_string(), |c| {
            format!(
                "{}x ({}–{})",
                sig(c.speedup.median),
                sig(c.speedup.min),
                sig(c.speedup.max)
            )
        })
    };
    let _ = writeln!(
        out,
        "Calibration: two plain busy threads ran {} as fast as one at the start, {} at the end \
         (load average then: {}; {} is the limit on {} cores). A figure well below the limit \
         means this machine, not the program, caps every parallel speedup below.\n",
        speedup(&env.calibration),
        speedup(&env.calibration_end),
        env.load_average_end
            .map_or("unknown".into(), |l| format!("{l:.2}")),
        env.cores.min(2),
        env.cores
    );
    if !env.group_seconds.is_empty() {
        let times: Vec<String> = env
            .group_seconds
            .iter()
            .map(|(g, s)| format!("{} {s:.0} s", g.name()))
            .collect();
        let _ = writeln!(out, "Time per group: {}.\n", times.join(", "));
    }
    for group in Group::ALL {
        let rows: Vec<&Row> = rows.iter().filter(|r| r.group == group).collect();
        if rows.is_empty() {
            continue;
        }
        match group {
            Group::Cpu => {
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
            Group::Io => {
                let _ = writeln!(
                    out,
                    "### io: N concurrent waits; wall time and peak memory of a fresh process per run; \
                     bytes per task = peak memory / N\n\n\
                     | N | Rust | wall | peak memory | bytes per task | Python | wall | peak memory | bytes per task | Rust faster by | Rust memory smaller by |\n\
                     |---|---|---|---|---|---|---|---|---|---|---|"
                );
                for r in &rows {
                    let mem_ratio = peak(&r.python_peak_mib)
                        .zip(peak(&r.rust_peak_mib))
                        .map(|(p, q)| p / q);
                    let n = r.workers.unwrap_or(0);
                    let per_task = |c: &Option<Cell>| {
                        peak(c).map_or("—".into(), |m| format!("{:.0}", m * 1048576.0 / n as f64))
                    };
                    let _ = writeln!(
                        out,
                        "| {n} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                        r.rust_variant,
                        cell(&r.rust),
                        opt_cell(&r.rust_peak_mib),
                        per_task(&r.rust_peak_mib),
                        r.python_variant.as_deref().unwrap_or("—"),
                        cell(&r.python),
                        opt_cell(&r.python_peak_mib),
                        per_task(&r.python_peak_mib),
                        times(r.rust_advantage),
                        times(mem_ratio)
                    );
                }
            }
            Group::Realworld => {
                let _ = writeln!(
                    out,
                    "### realworld: wall time and peak memory of a fresh process per run; speedup = \
                     sequential / this, same side (scraping: against one connection at a time)\n\n\
                     | case | Rust | workers | wall | speedup | peak memory | Python | wall | speedup | peak memory | Rust faster by |\n\
                     |---|---|---|---|---|---|---|---|---|---|---|"
                );
                for r in &rows {
                    let _ = writeln!(
                        out,
                        "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                        r.item,
                        r.rust_variant,
                        r.workers.unwrap_or(1),
                        cell(&r.rust),
                        times(r.rust_speedup),
                        opt_cell(&r.rust_peak_mib),
                        r.python_variant.as_deref().unwrap_or("—"),
                        cell(&r.python),
                        times(r.python_speedup),
                        opt_cell(&r.python_peak_mib),
                        times(r.rust_advantage)
                    );
                }
            }
            Group::Spawn | Group::Ipc | Group::Locks => {
                let title = match group {
                    Group::Spawn => "spawn: cost of one start + join",
                    Group::Ipc => {
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

pub fn peak(c: &Option<Cell>) -> Option<f64> {
    c.as_ref().and_then(Cell::median)
}
