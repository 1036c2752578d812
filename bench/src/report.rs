//! The Markdown report's shared pieces: the machine and its calibration, and the table, cell
//! and note formats every group's table is written in.

use crate::env::Env;
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

/// A value in `unit` on its own scale: "1.25 ms".
pub fn value(unit: &str, x: f64) -> String {
    let (div, suffix) = scale(unit, x);
    format!("{}{suffix}", sig(x / div))
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

pub fn cell(c: &Cell) -> String {
    match c {
        Cell::Fig(f) => fig(f),
        Cell::Na => "n/a".into(),
        Cell::Absent => "—".into(),
    }
}

pub fn opt_cell(c: &Option<Cell>) -> String {
    c.as_ref().map_or_else(|| "n/a".into(), cell)
}

pub fn times(x: Option<f64>) -> String {
    x.map_or_else(|| "—".into(), |x| format!("{}x", sig(x)))
}

/// A Markdown table: a "### " title line, then the header and one line per row.
pub fn table(title: &str, header: &[&str], lines: &[Vec<String>]) -> String {
    let mut out = format!("### {title}\n\n| {} |\n|", header.join(" | "));
    out.push_str(&"---|".repeat(header.len()));
    out.push('\n');
    for line in lines {
        let _ = writeln!(out, "| {} |", line.join(" | "));
    }
    out
}

/// A table of rows that each set one Rust figure beside one Python figure.
pub fn pairs_table(title: &str, rows: &[Row]) -> String {
    let lines: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.item.clone(),
                r.rust_variant.clone(),
                cell(&r.rust),
                r.python_variant.clone().unwrap_or("—".into()),
                cell(&r.python),
                times(r.rust_advantage),
            ]
        })
        .collect();
    let header = [
        "measure",
        "Rust",
        "figure",
        "Python",
        "figure",
        "Rust better by",
    ];
    table(title, &header, &lines)
}

/// The rows' notes, each once, under the table.
pub fn notes(out: &mut String, rows: &[Row]) {
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

/// The report's opening: the machine, the calibration and the time each group took.
pub fn header(env: &Env) -> String {
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
            .map(|(g, s)| format!("{g} {s:.0} s"))
            .collect();
        let _ = writeln!(out, "Time per group: {}.\n", times.join(", "));
    }
    out
}

pub fn peak(c: &Option<Cell>) -> Option<f64> {
    c.as_ref().and_then(Cell::median)
}

/// A group's section of the report: its table, then its rows' notes.
pub fn section(table: &str, rows: &[Row]) -> String {
    let mut out = format!("{table}\n");
    notes(&mut out, rows);
    if rows.iter().any(|r| !r.notes.is_empty()) {
        out.push('\n');
    }
    out
}
