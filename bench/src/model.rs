//! What every group shares: the run's settings and the rows it reports.

use crate::py::Python;
use crate::stats::{Fig, Runs};
use indicatif::ProgressBar;
use serde::{Serialize, Serializer};
use serde_json::Value;
use std::path::PathBuf;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Small sizes: the whole suite in under a minute on 2 cores.
    Quick,
    /// The sizes of scripts/bench.sh.
    Full,
    /// Tiny sizes and one run (--smoke): checks that everything runs; used by the tests.
    Smoke,
}

impl Mode {
    /// Picks the size for this mode.
    pub fn pick<T>(self, tiny: T, quick: T, full: T) -> T {
        match self {
            Mode::Smoke => tiny,
            Mode::Quick => quick,
            Mode::Full => full,
        }
    }
}

pub struct Cfg {
    pub mode: Mode,
    pub runs: Runs,
    pub cores: usize,
    /// This binary, re-started in a helper role.
    pub exe: PathBuf,
    /// The Python interpreter, or why there is none.
    pub python: Result<Python, String>,
    pub progress: ProgressBar,
}

impl Cfg {
    /// Runs a Python script and returns its JSON, or the reason the cell says n/a.
    pub fn py(&self, script: &str, args: &[String]) -> Result<Value, String> {
        match &self.python {
            Ok(py) => py.run(script, args),
            Err(why) => Err(why.clone()),
        }
    }

    pub fn step(&self, what: &str) {
        self.progress.set_message(what.to_string());
    }

    pub fn done(&self) {
        self.progress.inc(1);
    }
}

/// One figure in a table: measured, not available (why is in the row's notes), or no
/// counterpart exists on that side.
#[derive(Clone, Debug)]
pub enum Cell {
    Fig(Fig),
    Na,
    Absent,
}

impl Cell {
    pub fn fig(&self) -> Option<&Fig> {
        match self {
            Cell::Fig(f) => Some(f),
            _ => None,
        }
    }

    pub fn median(&self) -> Option<f64> {
        self.fig().map(|f| f.median)
    }
}

impl Serialize for Cell {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Cell::Fig(f) => f.serialize(s),
            Cell::Na => s.serialize_str("n/a"),
            Cell::Absent => s.serialize_none(),
        }
    }
}

/// One line of a group's table: a Rust variant beside its Python counterpart.
#[derive(Clone, Debug, Serialize)]
pub struct Row {
    pub group: &'static str,
    /// The workload and its size, e.g. "count primes below 200000" or "N = 100000".
    pub item: String,
    pub rust_variant: String,
    /// None when Python has no counterpart.
    pub python_variant: Option<String>,
    pub workers: Option<usize>,
    pub rust: Cell,
    pub python: Cell,
    /// io only: peak resident memory of the process that ran the variant, MiB.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rust_peak_mib: Option<Cell>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub python_peak_mib: Option<Cell>,
    /// cpu only: sequential median / this median, on the same side.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rust_speedup: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub python_speedup: Option<f64>,
    /// How many times better the Rust median is (faster, or more per second).
    pub rust_advantage: Option<f64>,
    pub higher_is_better: bool,
    pub rust_answer: Value,
    pub python_answer: Value,
    /// None when there is nothing to compare (Python missing or the sizes differ).
    pub answers_agree: Option<bool>,
    pub notes: Vec<String>,
}

impl Row {
    pub fn new(group: &'static str, item: impl Into<String>, rust_variant: &str) -> Row {
        Row {
            group,
            item: item.into(),
            rust_variant: rust_variant.to_string(),
            python_variant: None,
            workers: None,
            rust: Cell::Na,
            python: Cell::Absent,
            rust_peak_mib: None,
            python_peak_mib: None,
            rust_speedup: None,
            python_speedup: None,
            rust_advantage: None,
            higher_is_better: false,
            rust_answer: Value::Null,
            python_answer: Value::Null,
            answers_agree: None,
            notes: Vec::new(),
        }
    }

    /// Fills the ratio once both sides are in.
    pub fn finish(mut self) -> Row {
        if let (Some(r), Some(p)) = (self.rust.median(), self.python.median()) {
            let ratio = if self.higher_is_better { r / p } else { p / r };
            self.rust_advantage = Some(ratio);
        }
        self
    }

    /// Records a Python result: samples become a figure via `to_fig`, the answer is kept.
    pub fn set_python(
        &mut self,
        variant: &str,
        out: Result<Value, String>,
        to_fig: impl FnOnce(&[f64]) -> Fig,
    ) {
        self.python_variant = Some(variant.to_string());
        match out {
            Ok(v) => {
                let samples: Vec<f64> = v["samples"]
                    .as_array()
                    .map(|a| a.iter().filter_map(Value::as_f64).collect())
                    .unwrap_or_default();
                if samples.is_empty() {
                    self.python = Cell::Na;
                    self.notes.push("Python: no samples in its output".into());
                } else {
                    self.python = Cell::Fig(to_fig(&samples));
                }
                self.python_answer = v["answer"].clone();
            }
            Err(why) => {
                self.python = Cell::Na;
                self.notes.push(format!("Python: {why}"));
            }
        }
    }

    /// Compares answers where both sides ran the same input.
    pub fn compare_answers(&mut self) {
        if !self.python_answer.is_null() && !self.rust_answer.is_null() {
            let agree = self.python_answer == self.rust_answer;
            if !agree {
                self.notes.push(format!(
                    "answers differ: Rust {} vs Python {}",
                    self.rust_answer, self.python_answer
                ));
            }
            self.answers_agree = Some(agree);
        }
    }
}
