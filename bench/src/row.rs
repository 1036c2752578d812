//! A row of a group's table: which measurement it is (a typed key), a Rust variant beside its
//! Python counterpart, and what each side answered.

use crate::stats::Fig;
use serde::{Serialize, Serializer};
use serde_json::Value;
use std::any::Any;
use std::sync::Arc;

/// Which measurement a row holds: a value of the row's group's own key type. Finding a row
/// (for a target or a chart) compares values of that type, never label text, and a key of
/// another group's type never matches.
#[derive(Clone)]
pub struct Key(Arc<dyn Any + Send + Sync>);

impl Key {
    pub fn of<K: Any + Send + Sync>(key: K) -> Key {
        Key(Arc::new(key))
    }

    /// The key as `K`, if it is one.
    pub fn get<K: Any>(&self) -> Option<&K> {
        self.0.downcast_ref()
    }
}

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Key(..)")
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

/// Another Python build's side of a row (the main build's is the row's own Python side).
#[derive(Clone, Debug, Serialize)]
pub struct BuildSide {
    /// "3.14", "3.14t"
    pub build: String,
    pub python: Cell,
    /// Against the same build's sequential run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub speedup: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub peak_mib: Option<Cell>,
    pub answer: Value,
    pub answers_agree: Option<bool>,
}

impl BuildSide {
    pub fn new(build: &str) -> BuildSide {
        BuildSide {
            build: build.to_string(),
            python: Cell::Na,
            speedup: None,
            peak_mib: None,
            answer: Value::Null,
            answers_agree: None,
        }
    }
}

/// One line of a group's table: a Rust variant beside its Python counterpart.
#[derive(Clone, Debug, Serialize)]
pub struct Row {
    #[serde(skip)]
    pub key: Key,
    /// The name of the group that measured it.
    pub group: &'static str,
    /// The workload and its size, e.g. "count primes below 200000" or "N = 100000".
    pub item: String,
    pub rust_variant: String,
    /// None when Python has no counterpart.
    pub python_variant: Option<String>,
    pub workers: Option<usize>,
    pub rust: Cell,
    pub python: Cell,
    /// io and realworld: peak resident memory of the process that ran the variant, MiB.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rust_peak_mib: Option<Cell>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub python_peak_mib: Option<Cell>,
    /// cpu and realworld: the baseline's median / this median, on the same side.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rust_speedup: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub python_speedup: Option<f64>,
    /// cpu, Rust's parallel rows: how much faster two plain busy threads finished than one in
    /// the same rounds (the machine's limit while this row was measured).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plain_threads: Option<f64>,
    /// How many times better the Rust median is (faster, or more per second).
    pub rust_advantage: Option<f64>,
    pub higher_is_better: bool,
    pub rust_answer: Value,
    pub python_answer: Value,
    /// The other Python builds' sides (cpu, locks, realworld).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub builds: Vec<BuildSide>,
    /// None when there is nothing to compare (Python missing or the sizes differ).
    pub answers_agree: Option<bool>,
    /// A side left out on purpose (above a limit); the notes say why.
    pub skipped: bool,
    pub notes: Vec<String>,
}

impl Row {
    pub fn new<K: Any + Send + Sync>(
        group: &'static str,
        key: K,
        item: impl Into<String>,
        rust_variant: impl Into<String>,
    ) -> Row {
        Row {
            key: Key::of(key),
            group,
            item: item.into(),
            rust_variant: rust_variant.into(),
            python_variant: None,
            workers: None,
            rust: Cell::Na,
            python: Cell::Absent,
            rust_peak_mib: None,
            python_peak_mib: None,
            rust_speedup: None,
            python_speedup: None,
            plain_threads: None,
            rust_advantage: None,
            higher_is_better: false,
            rust_answer: Value::Null,
            python_answer: Value::Null,
            builds: Vec::new(),
            answers_agree: None,
            skipped: false,
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

    /// The side of build `name`, made empty if it is not there yet.
    pub fn build(&mut self, name: &str) -> &mut BuildSide {
        let i = match self.builds.iter().position(|b| b.build == name) {
            Some(i) => i,
            None => {
                self.builds.push(BuildSide::new(name));
                self.builds.len() - 1
            }
        };
        &mut self.builds[i]
    }

    /// The side of build `name`, if measured.
    pub fn build_side(&self, name: &str) -> Option<&BuildSide> {
        self.builds.iter().find(|b| b.build == name)
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

/// The row with this key, if it ran.
pub fn find<'a, K: Any + PartialEq>(rows: &'a [Row], key: &K) -> Option<&'a Row> {
    rows.iter().find(|r| r.key.get::<K>() == Some(key))
}

/// The key of a row, if it is a `K`.
pub fn key<K: Any>(row: &Row) -> Option<&K> {
    row.key.get()
}
