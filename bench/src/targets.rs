//! BENCH.md's targets: each group states its own (in its module); this holds what a target
//! is, the check every one goes through, and the comparison with an earlier run.

use crate::row::{Cell, Row};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// How a target fared in a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Status {
    #[serde(rename = "met")]
    Met,
    #[serde(rename = "missed")]
    Missed,
    /// A figure to read, with no threshold.
    #[serde(rename = "shown")]
    Shown,
    #[serde(rename = "not measured")]
    NotMeasured,
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The JSON names, so the table and results.json say the same.
        let text = serde_json::to_value(self).map_err(|_| std::fmt::Error)?;
        f.write_str(text.as_str().unwrap_or("?"))
    }
}

/// One of BENCH.md's targets, checked against this run.
#[derive(Clone, Debug, Serialize)]
pub struct Target {
    /// A short name that stays the same between runs and modes (compared with --baseline).
    pub id: String,
    pub target: String,
    pub figure: String,
    /// The number the target is about (a ratio, seconds or MiB), when measured.
    pub value: Option<f64>,
    pub status: Status,
}

/// Three significant figures, enough for noisy timings.
pub fn sig(x: f64) -> String {
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

pub fn times(v: f64) -> String {
    format!("{}x", sig(v))
}

pub fn mib(v: f64) -> String {
    format!("{} MiB", sig(v))
}

/// A target with a threshold: met when `ok(value)`. `ok` None makes it a figure only ("shown").
pub fn check(
    id: impl Into<String>,
    target: impl Into<String>,
    value: Option<f64>,
    shown: impl Fn(f64) -> String,
    ok: Option<&dyn Fn(f64) -> bool>,
) -> Target {
    let (id, target) = (id.into(), target.into());
    match value {
        Some(v) if v.is_finite() => Target {
            id,
            target,
            figure: shown(v),
            value: Some(v),
            status: match ok {
                Some(ok) if ok(v) => Status::Met,
                Some(_) => Status::Missed,
                None => Status::Shown,
            },
        },
        _ => Target {
            id,
            target,
            figure: "n/a".into(),
            value: None,
            status: Status::NotMeasured,
        },
    }
}

/// Every row whose Python side exists was measured, or skipped for a reason its notes give.
pub fn python_counterparts(rows: &[Row]) -> Target {
    let with_py = rows.iter().filter(|r| r.python_variant.is_some()).count();
    let filled = rows
        .iter()
        .filter(|r| matches!(r.python, Cell::Fig(_)))
        .count();
    // Rows skipped on purpose (above the thread limit, or asyncio's in a quick run) say why
    // in their notes.
    let skipped = rows
        .iter()
        .filter(|r| r.python_variant.is_some() && r.skipped)
        .count();
    Target {
        id: "python_counterparts".into(),
        target: "every figure with its Python counterpart where one exists".into(),
        figure: format!(
            "{with_py} of {} rows have a Python counterpart: {filled} measured, {skipped} skipped, each saying why",
            rows.len()
        ),
        value: None,
        status: if filled + skipped == with_py {
            Status::Met
        } else {
            Status::Missed
        },
    }
}

/// An earlier run's status of target `id`, if that run had it.
fn earlier_status(earlier: &[Value], id: &str) -> Option<Status> {
    let old = earlier.iter().find(|o| o["id"] == id)?;
    Status::deserialize(&old["status"]).ok()
}

/// The targets table; with an earlier run's results.json, two more columns: that run's figure
/// and status, and how far this run's value is from it.
pub fn markdown(targets: &[Target], baseline: Option<&Value>) -> String {
    use std::fmt::Write as _;
    let earlier: Vec<Value> = baseline
        .and_then(|b| b["targets"].as_array().cloned())
        .unwrap_or_default();
    let mut out = String::from("### targets (BENCH.md)\n\n");
    if baseline.is_some() {
        out.push_str(
            "| target | this run | status | earlier run | status | difference |\n|---|---|---|---|---|---|\n",
        );
    } else {
        out.push_str("| target | this run | status |\n|---|---|---|\n");
    }
    let mut spread: Vec<f64> = Vec::new();
    for t in targets {
        let _ = write!(out, "| {} | {} | {} |", t.target, t.figure, t.status);
        if baseline.is_some() {
            let old = earlier.iter().find(|o| o["id"] == t.id.as_str());
            let figure = old.and_then(|o| o["figure"].as_str()).unwrap_or("—");
            let status = earlier_status(&earlier, &t.id);
            let diff = old
                .and_then(|o| o["value"].as_f64())
                .zip(t.value)
                .map(|(a, b)| 100.0 * (b - a) / a);
            if let Some(d) = diff {
                spread.push(d.abs());
            }
            let same = if status.is_none_or(|s| s == t.status) {
                ""
            } else {
                " (changed)"
            };
            let status = status.map_or("—".to_string(), |s| s.to_string());
            let _ = write!(
                out,
                " {figure} | {status}{same} | {} |",
                diff.map_or("—".into(), |d| format!("{d:+.1}%"))
            );
        }
        out.push('\n');
    }
    if baseline.is_some() {
        spread.sort_by(f64::total_cmp);
        let changed = targets
            .iter()
            .filter(|t| earlier_status(&earlier, &t.id).is_some_and(|s| s != t.status))
            .count();
        let _ = writeln!(
            out,
            "\nBetween the two runs: {changed} of {} statuses changed; the targets' figures differ by {} at the median and {} at most.",
            targets.len(),
            spread
                .get(spread.len() / 2)
                .map_or("—".into(), |d| format!("{d:.1}%")),
            spread.last().map_or("—".into(), |d| format!("{d:.1}%")),
        );
    }
    out
}
