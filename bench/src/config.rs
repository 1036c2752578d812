//! The run's settings, shared by every group.

use crate::python::{Build, Python};
use crate::stats::Runs;
use indicatif::ProgressBar;
use serde::Serialize;
use std::path::PathBuf;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// The full run's cpu sizes and repeats; shorter timed Rust runs, fewer variants, worker
    /// counts and N, smaller inputs: the full run's verdicts, in about a minute.
    Quick,
    /// The sizes of scripts/bench.sh.
    Full,
    /// Tiny sizes and one run (--smoke): checks that everything runs; used by the tests.
    Smoke,
}

impl Mode {
    /// Picks the value for this mode.
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
    /// Warm-up runs and timed repeats of a measurement: one and five in quick and full runs.
    pub runs: Runs,
    pub cores: usize,
    /// This binary, re-started in a helper role.
    pub exe: PathBuf,
    /// The Python interpreter, or why there is none.
    pub python: Result<Python, String>,
    /// The other Python builds the cpu, locks and realworld groups measure beside it.
    pub others: Vec<Build>,
    pub progress: ProgressBar,
}

impl Cfg {
    /// The short name of the main Python build ("3.11"), or "python3" when it is missing.
    pub fn python_name(&self) -> String {
        self.python
            .as_ref()
            .map_or_else(|_| "python3".to_string(), |p| p.build.clone())
    }

    pub fn step(&self, what: &str) {
        self.progress.set_message(what.to_string());
    }

    pub fn done(&self) {
        self.progress.inc(1);
    }
}
