//! Both halves of a row, Rust and Python, measured for a group: the Python script run with
//! the run's interpreter, and the two sides in turn, round by round.

use crate::config::Cfg;
use crate::python::{Script, fill};
use crate::row::{Cell, Row};
use crate::stats::{Fig, Scale};
use serde_json::Value;

/// Runs `script` once with `args` and returns its JSON, or why the cell says n/a.
pub fn run(cfg: &Cfg, script: &Script, args: &[String]) -> Result<Value, String> {
    match &cfg.python {
        Ok(py) => py.run(script, args),
        Err(why) => Err(why.clone()),
    }
}

/// The Python half of a row: runs `script` with `args` (it prints {"answer",
/// "samples": seconds per run, or per operation where the script divides}), turns the
/// samples into `scale`'s unit, keeps the answer and compares it with Rust's when both sides
/// ran the same input. Counts one progress step.
pub fn half(
    cfg: &Cfg,
    script: &Script,
    row: &mut Row,
    label: &str,
    args: &[String],
    scale: Scale,
    same_input: bool,
) {
    cfg.step(&format!("{} Python {label}", row.group));
    fill(row, label, run(cfg, script, args), scale, same_input);
    cfg.done();
}

/// Measures both halves of a row in rounds: each round runs Rust once (`rust` returns its
/// answer and the seconds it measured) and then the Python script once (`args`, then "0 1":
/// no warm-up, one run), so a slow spell of a shared machine falls on both sides alike and
/// their ratio holds. Warm-up rounds are thrown away. Counts two progress steps.
#[allow(clippy::too_many_arguments)] // each is one of the two sides' halves
pub fn in_rounds(
    cfg: &Cfg,
    script: &Script,
    row: &mut Row,
    mut rust: impl FnMut() -> crate::Res<(u64, f64)>,
    rust_scale: Scale,
    label: &str,
    args: &[String],
    py_scale: Scale,
) {
    let mut args = args.to_vec();
    args.extend(["0".to_string(), "1".to_string()]);
    let (mut rust_secs, mut py_secs) = (Vec::new(), Vec::new());
    let (mut rust_failed, mut py_failed) = (None, None);
    let mut py_answer = Value::Null;
    let runs = cfg.runs;
    cfg.step(&format!(
        "{} {}: Rust and Python in turn",
        row.group, row.rust_variant
    ));
    for round in 0..runs.total() {
        let keep = round >= runs.warmup;
        if rust_failed.is_none() {
            match rust() {
                Ok((answer, secs)) => {
                    row.rust_answer = serde_json::json!(answer);
                    if keep {
                        rust_secs.push(secs);
                    }
                }
                Err(e) => rust_failed = Some(e.to_string()),
            }
        }
        if py_failed.is_none() {
            match run(cfg, script, &args) {
                Ok(v) => {
                    py_answer = v["answer"].clone();
                    let secs = v["samples"].get(0).and_then(Value::as_f64);
                    match secs {
                        Some(s) if keep => py_secs.push(s),
                        Some(_) => {}
                        None => py_failed = Some("no samples in its output".to_string()),
                    }
                }
                Err(e) => py_failed = Some(e),
            }
        }
    }
    match rust_failed {
        None => row.rust = Cell::Fig(Fig::from_secs(rust_scale, &rust_secs)),
        Some(e) => row.notes.push(format!("Rust: {e}")),
    }
    cfg.done();
    let out = match py_failed {
        None => Ok(serde_json::json!({"answer": py_answer, "samples": py_secs})),
        Some(e) => Err(e),
    };
    fill(row, label, out, py_scale, false);
    cfg.done();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Mode;
    use crate::python::Python;
    use crate::python::tests::ECHO;
    use crate::stats::Runs;

    #[test]
    fn in_rounds_keeps_every_round_but_the_warm_up_on_both_sides() {
        let cfg = Cfg {
            mode: Mode::Smoke,
            runs: Runs::new(1, 2),
            cores: 2,
            exe: std::env::current_exe().expect("the test binary has a path"),
            python: Python::find(),
            others: Vec::new(),
            progress: indicatif::ProgressBar::hidden(),
        };
        let mut row = Row::new("test", 0u8, "bandwidth", "copy");
        let mut round = 0;
        let rust = || {
            round += 1;
            Ok((7, f64::from(round)))
        };
        let args = ["answer".to_string(), "1000".to_string()];
        in_rounds(
            &cfg,
            &ECHO,
            &mut row,
            rust,
            Scale::Secs,
            "copy",
            &args,
            Scale::Secs,
        );
        // Round 1 was the warm-up: the figure holds rounds 2 and 3, in order.
        assert_eq!(row.rust.fig().expect("a Rust figure").samples, [2.0, 3.0]);
        assert_eq!(row.rust_answer, 7);
        match &cfg.python {
            Ok(_) => {
                let py = row.python.fig().expect("a Python figure");
                assert_eq!(py.samples.len(), 2, "{:?}", py.samples);
                assert_eq!(row.python_answer, 1000);
            }
            Err(why) => {
                eprintln!("skipped the Python half: {why}");
                assert!(matches!(row.python, Cell::Na));
            }
        }
    }
}
