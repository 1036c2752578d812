//! locks group: nanoseconds per increment of one shared counter, alone and contended.

use crate::Res;
use crate::config::Cfg;
use crate::group::{Check, Group};
use crate::python::Script;
use crate::report::{cell, table, times};
use crate::row::{Cell, Row};
use crate::stats::{Fig, Scale, repeat, timed};
use serde_json::json;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

const NAME: &str = "locks";
const SCRIPT: Script = Script {
    name: "locks.py",
    text: include_str!("../python/locks.py"),
};

/// A row: the counter behind an atomic or a Mutex, and how many threads share it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Key {
    atomic: bool,
    threads: usize,
}

pub struct Locks;

impl Group for Locks {
    fn name(&self) -> &'static str {
        NAME
    }

    fn planned(&self, cfg: &Cfg) -> u64 {
        // Four Rust rows, two Python ones in each build.
        (6 + 2 * cfg.others.len()) as u64
    }

    fn run(&self, cfg: &Cfg) -> Res<Vec<Row>> {
        run(cfg)
    }

    fn table(&self, rows: &[Row], cfg: &Cfg) -> String {
        let others: Vec<&str> = cfg.others.iter().map(|b| b.name.as_str()).collect();
        let lines: Vec<Vec<String>> = rows
            .iter()
            .map(|r| {
                let mut line = vec![
                    r.item.clone(),
                    r.rust_variant.clone(),
                    cell(&r.rust),
                    r.python_variant.clone().unwrap_or("—".into()),
                    cell(&r.python),
                ];
                for name in &others {
                    line.push(r.build_side(name).map_or("—".into(), |b| cell(&b.python)));
                }
                line.push(times(r.rust_advantage));
                line
            })
            .collect();
        let main = cfg.python_name();
        let mut header: Vec<String> = vec![
            "measure".into(),
            "Rust".into(),
            "figure".into(),
            "Python".into(),
            main.clone(),
        ];
        header.extend(others.iter().map(|n| n.to_string()));
        header.push(format!("Rust better than {main} by"));
        let header: Vec<&str> = header.iter().map(String::as_str).collect();
        table("locks: time per increment", &header, &lines)
    }

    fn checks(&self, _exe: &std::path::Path) -> Res<Vec<Check>> {
        let mut out = Vec::new();
        for atomic in [false, true] {
            out.push(Check {
                name: format!("locks atomic={atomic}"),
                script: SCRIPT.name,
                args: ["1000", "2", "0", "1"].map(String::from).to_vec(),
                rust: json!({ "answer": increments(atomic, 1000, 2)? }),
            });
        }
        Ok(out)
    }
}

/// Increments a counter `count` times in all, shared by `threads` threads; returns its value.
pub fn increments(atomic: bool, count: u64, threads: usize) -> Res<u64> {
    let share = count / threads as u64;
    let (mutex, counter) = (Mutex::new(0u64), AtomicU64::new(0));
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                for _ in 0..share {
                    if atomic {
                        counter.fetch_add(1, Ordering::Relaxed);
                    } else {
                        *mutex.lock().expect("no thread panics holding the lock") += 1;
                    }
                }
            });
        }
    });
    let total = if atomic {
        counter.into_inner()
    } else {
        mutex.into_inner().map_err(|_| "lock poisoned")?
    };
    Ok(total)
}

fn run(cfg: &Cfg) -> Res<Vec<Row>> {
    let (rust_count, py_count) = cfg.mode.pick(
        (1_000, 1_000),
        (10_000_000, 500_000),
        (10_000_000, 2_000_000),
    );
    let mut rows = Vec::new();
    for threads in [1, cfg.cores.max(2)] {
        let item = if threads == 1 {
            "uncontended increment".to_string()
        } else {
            format!("contended increment, {threads} threads")
        };
        for atomic in [false, true] {
            // Code spans: the report is Markdown, where a bare <u64> would be read as a tag.
            let label = if atomic {
                "`AtomicU64::fetch_add`"
            } else {
                "`Mutex<u64>`"
            };
            let mut row = Row::new(NAME, Key { atomic, threads }, item.clone(), label);
            let count = rust_count - rust_count % threads as u64;
            cfg.step(&format!("locks Rust {label} x{threads}"));
            let scale = Scale::NanosPer(count as f64);
            match repeat(cfg.runs, scale, || {
                timed(|| increments(atomic, count, threads))
            }) {
                Ok((fig, total)) => {
                    row.rust = Cell::Fig(fig);
                    row.rust_answer = json!(total);
                }
                Err(e) => row.notes.push(format!("Rust: {e}")),
            }
            cfg.done();
            if !atomic {
                // Python has no atomic integer; its counterpart is the Lock.
                let args = [
                    py_count.to_string(),
                    threads.to_string(),
                    cfg.runs.warmup.to_string(),
                    cfg.runs.repeats.to_string(),
                ];
                // locks.py reports seconds per increment already.
                let same = rust_count == py_count;
                crate::pair::half(
                    cfg,
                    &SCRIPT,
                    &mut row,
                    "threading.Lock",
                    &args,
                    Scale::NanosPer(1.0),
                    same,
                );
                for build in &cfg.others {
                    cfg.step(&format!("locks Python {} x{threads}", build.name));
                    let out = match &build.python {
                        Ok(py) => py.run(&SCRIPT, &args),
                        Err(why) => Err(why.clone()),
                    };
                    let side = row.build(&build.name);
                    match out {
                        Ok(v) => {
                            let samples: Vec<f64> = v["samples"]
                                .as_array()
                                .map(|a| a.iter().filter_map(serde_json::Value::as_f64).collect())
                                .unwrap_or_default();
                            if !samples.is_empty() {
                                side.python =
                                    Cell::Fig(Fig::from_secs(Scale::NanosPer(1.0), &samples));
                            }
                            side.answer = v["answer"].clone();
                        }
                        Err(why) => row.notes.push(format!("Python {}: {why}", build.name)),
                    }
                    cfg.done();
                }
            }
            rows.push(row.finish());
        }
    }
    Ok(rows)
}
