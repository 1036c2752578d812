//! The CPU-bound workloads, cut into chunks. bench/python/cpu.py holds the same algorithms.

use serde_json::{Value, json};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Count the primes below `size` by trial division.
    Primes,
    /// Leibniz series for pi with `size` terms.
    Leibniz,
    /// `size / 10` binary searches in a sorted array of `size` numbers.
    Bsearch,
}

impl Kind {
    pub const ALL: [Kind; 3] = [Kind::Primes, Kind::Leibniz, Kind::Bsearch];

    pub fn name(self) -> &'static str {
        match self {
            Kind::Primes => "primes",
            Kind::Leibniz => "leibniz",
            Kind::Bsearch => "bsearch",
        }
    }

    pub fn describe(self, size: u64) -> String {
        match self {
            Kind::Primes => format!("count primes below {size}"),
            Kind::Leibniz => format!("Leibniz pi, {size} terms"),
            Kind::Bsearch => format!("{} binary searches in {size} numbers", size / 10),
        }
    }
}

/// One workload of a given size, with its input data built once.
pub struct Job {
    pub kind: Kind,
    pub size: u64,
    pub chunks: usize,
    /// How many times a run does the whole work (each time the same answer): a Rust run of a
    /// size CPython takes 0.4 s for lasts only milliseconds once.
    pub rounds: usize,
    /// Items to process: numbers, terms or queries.
    total: u64,
    /// The sorted array searched by `Bsearch`: data[i] = 3 * i + 1.
    data: Vec<u64>,
}

fn is_prime(n: u64) -> bool {
    if n < 2 {
        return false;
    }
    if n < 4 {
        return true;
    }
    if n.is_multiple_of(2) {
        return false;
    }
    let mut d = 3;
    while d * d <= n {
        if n.is_multiple_of(d) {
            return false;
        }
        d += 2;
    }
    true
}

/// A well-mixed pseudo-random number for query `x`, the same on both sides.
fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Job {
    pub fn new(kind: Kind, size: u64, chunks: usize) -> Job {
        let (total, data) = match kind {
            Kind::Bsearch => ((size / 10).max(1), (0..size).map(|i| 3 * i + 1).collect()),
            _ => (size, Vec::new()),
        };
        Job {
            kind,
            size,
            chunks,
            rounds: 1,
            total,
            data,
        }
    }

    /// Chunk `i` covers items [lo, hi): equal counts, unequal costs (big primes cost more),
    /// which is why workers take chunks one at a time instead of fixed halves.
    fn bounds(&self, i: usize) -> (u64, u64) {
        let (t, n, i) = (self.total as u128, self.chunks as u128, i as u128);
        ((t * i / n) as u64, (t * (i + 1) / n) as u64)
    }

    /// Tasks in a run: every chunk, `rounds` times.
    pub fn tasks(&self) -> usize {
        self.chunks * self.rounds
    }

    /// Task `t` computes chunk `t % chunks`.
    pub fn run_task(&self, t: usize) -> u64 {
        self.run_chunk(t % self.chunks)
    }

    /// The result of one chunk as 64 bits (an f64's bits for Leibniz), so that it fits an atomic
    /// slot in memory shared with forked workers. It allocates nothing: safe after fork.
    pub fn run_chunk(&self, i: usize) -> u64 {
        let (lo, hi) = self.bounds(i);
        match self.kind {
            Kind::Primes => (lo..hi).filter(|&n| is_prime(n)).count() as u64,
            Kind::Leibniz => {
                let mut s = 0.0f64;
                for k in lo..hi {
                    let t = 1.0 / (2 * k + 1) as f64;
                    s += if k % 2 == 0 { t } else { -t };
                }
                s.to_bits()
            }
            Kind::Bsearch => {
                let (a, m) = (&self.data, self.data.len() as u64);
                let mut found = 0;
                for j in lo..hi {
                    let q = splitmix64(j) % (3 * m);
                    let (mut left, mut right) = (0u64, m);
                    while left < right {
                        let mid = (left + right) / 2;
                        if a[mid as usize] < q {
                            left = mid + 1;
                        } else {
                            right = mid;
                        }
                    }
                    if left < m && a[left as usize] == q {
                        found += 1;
                    }
                }
                found
            }
        }
    }

    /// Adds the chunk results in chunk order, so a float sum is bit-for-bit the Python one.
    pub fn combine(&self, results: &[u64]) -> Value {
        match self.kind {
            Kind::Leibniz => {
                let mut total = 0.0f64;
                for &r in results {
                    total += f64::from_bits(r);
                }
                json!(4.0 * total)
            }
            _ => json!(results.iter().sum::<u64>()),
        }
    }
}
