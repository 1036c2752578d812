//! Repeats, medians and the figure every measurement ends as.

use serde::Serialize;
use std::error::Error;
use std::time::Instant;

pub type Res<T> = Result<T, Box<dyn Error>>;

/// How many runs a measurement makes: warm-up runs are thrown away.
#[derive(Clone, Copy, Debug)]
pub struct Runs {
    pub warmup: usize,
    pub repeats: usize,
}

impl Runs {
    pub const fn new(warmup: usize, repeats: usize) -> Runs {
        Runs { warmup, repeats }
    }

    /// Warm-up runs plus timed repeats.
    pub fn total(self) -> usize {
        self.warmup + self.repeats
    }
}

/// One measured quantity: every sample, and their median, min and max.
#[derive(Clone, Debug, Serialize)]
pub struct Fig {
    pub unit: &'static str,
    pub median: f64,
    pub min: f64,
    pub max: f64,
    pub samples: Vec<f64>,
}

/// How a run's seconds become the figure's unit.
#[derive(Clone, Copy, Debug)]
pub enum Scale {
    /// Seconds for the whole run.
    Secs,
    /// Microseconds per operation (the run did `ops` of them).
    MicrosPer(f64),
    /// Nanoseconds per operation.
    NanosPer(f64),
    /// Operations per second.
    PerSec(f64),
    /// Gigabytes (10^9 bytes) per second.
    GbPerSec(f64),
}

impl Scale {
    pub fn unit(self) -> &'static str {
        match self {
            Scale::Secs => "s",
            Scale::MicrosPer(_) => "us/op",
            Scale::NanosPer(_) => "ns/op",
            Scale::PerSec(_) => "msg/s",
            Scale::GbPerSec(_) => "GB/s",
        }
    }

    fn apply(self, secs: f64) -> f64 {
        let secs = secs.max(1e-12); // a clock tick of zero must not divide by zero
        match self {
            Scale::Secs => secs,
            Scale::MicrosPer(ops) => secs / ops * 1e6,
            Scale::NanosPer(ops) => secs / ops * 1e9,
            Scale::PerSec(ops) => ops / secs,
            Scale::GbPerSec(bytes) => bytes / secs / 1e9,
        }
    }

    /// True when a bigger figure is better (throughput), false for times.
    pub fn higher_is_better(self) -> bool {
        matches!(self, Scale::PerSec(_) | Scale::GbPerSec(_))
    }
}

impl Fig {
    pub fn new(unit: &'static str, samples: Vec<f64>) -> Fig {
        let mut sorted = samples.clone();
        sorted.sort_by(f64::total_cmp);
        let n = sorted.len();
        let median = match n {
            0 => f64::NAN,
            _ if n % 2 == 1 => sorted[n / 2],
            _ => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
        };
        Fig {
            unit,
            median,
            min: sorted.first().copied().unwrap_or(f64::NAN),
            max: sorted.last().copied().unwrap_or(f64::NAN),
            samples,
        }
    }

    /// Seconds per run (as a Python script reports them) turned into `scale`'s unit.
    pub fn from_secs(scale: Scale, secs: &[f64]) -> Fig {
        Fig::new(scale.unit(), secs.iter().map(|&s| scale.apply(s)).collect())
    }
}

/// Runs `f` warm-up + repeats times; `f` returns its answer and the seconds it measured itself
/// (so set-up it does outside its own timer is not counted). The last answer is kept.
pub fn repeat<A>(runs: Runs, scale: Scale, mut f: impl FnMut() -> Res<(A, f64)>) -> Res<(Fig, A)> {
    let mut secs = Vec::with_capacity(runs.repeats);
    let mut answer = None;
    for i in 0..runs.warmup + runs.repeats {
        let (a, s) = f()?;
        if i >= runs.warmup {
            secs.push(s);
        }
        answer = Some(a);
    }
    let answer = answer.ok_or("no repeats were asked for")?;
    Ok((Fig::from_secs(scale, &secs), answer))
}

/// Times one call of `f`.
pub fn timed<A>(f: impl FnOnce() -> Res<A>) -> Res<(A, f64)> {
    let start = Instant::now();
    let a = f()?;
    Ok((a, start.elapsed().as_secs_f64()))
}
