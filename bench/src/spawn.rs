//! spawn group: what one start (and join) of a process, thread or task costs.

use crate::Res;
use crate::config::Cfg;
use crate::row::{Cell, Key, Row, find};
use crate::stats::{Scale, repeat, timed};
use crate::targets::{Target, check, times};
use serde_json::json;
use std::process::Command;

/// One kind of start, with its Python counterpart where one exists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Case {
    Fork,
    ForkBig,
    Command,
    Thread,
    Task,
}

impl Case {
    pub const ALL: [Case; 5] = [
        Case::Fork,
        Case::ForkBig,
        Case::Command,
        Case::Thread,
        Case::Task,
    ];

    fn label(self) -> &'static str {
        match self {
            Case::Fork => "fork + waitpid",
            Case::ForkBig => "fork + waitpid, parent touched big memory",
            Case::Command => "Command re-exec + wait",
            Case::Thread => "thread spawn + join",
            Case::Task => "tokio task spawn + await (current-thread runtime)",
        }
    }

    /// (spawn.py variant, its label)
    fn python(self) -> Option<(&'static str, &'static str)> {
        match self {
            Case::Fork => Some(("fork", "Process (fork) start + join")),
            Case::ForkBig => None,
            Case::Command => Some(("spawn", "Process (spawn) start + join")),
            Case::Thread => Some(("thread", "Thread start + join")),
            Case::Task => Some(("task", "asyncio task create + await")),
        }
    }

    /// Starts per timed run, Rust and Python: enough that a run lasts tens of milliseconds.
    fn counts(self, mode: crate::config::Mode) -> (usize, usize) {
        match self {
            Case::Fork => mode.pick((3, 2), (300, 30), (1000, 100)),
            Case::ForkBig => mode.pick((2, 0), (10, 0), (30, 0)),
            Case::Command => mode.pick((2, 1), (100, 3), (200, 10)),
            Case::Thread => mode.pick((5, 5), (1000, 500), (20_000, 5000)),
            Case::Task => mode.pick((5, 5), (100_000, 10_000), (200_000, 20_000)),
        }
    }
}

/// Memory the parent touches before the big forks. Each run writes every page of it first
/// (a second per GiB here), and a fork then costs about 0.1 s per GiB: the quick run touches
/// a quarter as much.
fn big_bytes(cfg: &Cfg) -> usize {
    cfg.mode.pick(64 << 20, 256 << 20, 1 << 30)
}

pub fn planned(_cfg: &Cfg) -> u64 {
    (Case::ALL.len() + Case::ALL.iter().filter(|c| c.python().is_some()).count()) as u64
}

#[cfg(unix)]
pub fn fork_wait(count: usize) -> Res<usize> {
    use nix::sys::wait::{WaitStatus, waitpid};
    use nix::unistd::{ForkResult, fork};
    let mut ok = 0;
    for _ in 0..count {
        // SAFETY: the child calls only _exit, which is async-signal-safe.
        match unsafe { fork() }? {
            // SAFETY: _exit skips the atexit handlers and stdio buffers copied from the parent.
            ForkResult::Child => unsafe { nix::libc::_exit(0) },
            ForkResult::Parent { child } => {
                ok += usize::from(matches!(waitpid(child, None)?, WaitStatus::Exited(_, 0)));
            }
        }
    }
    Ok(ok)
}

#[cfg(not(unix))]
pub fn fork_wait(_count: usize) -> Res<usize> {
    Err("fork is Unix-only; see Command re-exec".into())
}

/// Times `count` forks in a fresh child process (this binary in the `__fork-wait` role).
/// The cost of a fork grows with the memory its parent has mapped, so forking from this
/// bench process would measure whatever the groups before it left behind; spawn.py is a
/// fresh interpreter too. Returns the forks that ended cleanly and the seconds they took.
fn fork_in_fresh_process(cfg: &Cfg, count: usize, touch: usize) -> Res<(usize, f64)> {
    let out = Command::new(&cfg.exe)
        .args(["__fork-wait", &count.to_string(), &touch.to_string()])
        .output()?;
    if !out.status.success() {
        let why = String::from_utf8_lossy(&out.stderr);
        return Err(format!("__fork-wait failed: {}", why.trim()).into());
    }
    let text = String::from_utf8(out.stdout)?;
    let (ok, secs) = text
        .trim()
        .split_once(' ')
        .ok_or("__fork-wait printed no figures")?;
    Ok((ok.parse()?, secs.parse()?))
}

/// The `__fork-wait COUNT TOUCH_BYTES` role: write to every page of TOUCH_BYTES of memory
/// (so the fork must copy page tables for all of it), then time COUNT fork + waitpid.
pub fn fork_wait_role(args: &[String]) -> Res<()> {
    let [count, touch] = args else {
        return Err("usage: __fork-wait COUNT TOUCH_BYTES".into());
    };
    let (count, touch): (usize, usize) = (count.parse()?, touch.parse()?);
    let mut big = vec![0u8; touch];
    for page in big.chunks_mut(4096) {
        page[0] = 1;
    }
    let (ok, secs) = timed(|| fork_wait(count))?;
    std::hint::black_box(&big);
    println!("{ok} {secs}");
    Ok(())
}

/// One timed Rust run of `case`: `count` starts, one after another; returns how many ended
/// cleanly and the seconds. `rt` runs the tokio case.
fn rust_once(
    cfg: &Cfg,
    case: Case,
    count: usize,
    rt: &tokio::runtime::Runtime,
) -> Res<(usize, f64)> {
    match case {
        Case::Fork => fork_in_fresh_process(cfg, count, 0),
        Case::ForkBig => fork_in_fresh_process(cfg, count, big_bytes(cfg)),
        Case::Command => timed(|| {
            let mut ok = 0;
            for _ in 0..count {
                ok += usize::from(Command::new(&cfg.exe).arg("__noop").status()?.success());
            }
            Ok(ok)
        }),
        Case::Thread => timed(|| {
            let mut ok = 0;
            for _ in 0..count {
                ok += usize::from(std::thread::spawn(|| 1u8).join().is_ok());
            }
            Ok(ok)
        }),
        Case::Task => timed(|| {
            rt.block_on(async {
                let mut ok = 0;
                for _ in 0..count {
                    ok += usize::from(tokio::spawn(async { 1u8 }).await.is_ok());
                }
                Ok(ok)
            })
        }),
    }
}

pub fn run(cfg: &Cfg) -> Res<Vec<Row>> {
    // One thread, like asyncio's event loop: a multi-thread runtime would add a cross-thread
    // wake-up to every task.
    let rt = tokio::runtime::Builder::new_current_thread().build()?;
    let mut rows = Vec::new();
    for case in Case::ALL {
        let (count, py_count) = case.counts(cfg.mode);
        let rust_label = match case {
            Case::ForkBig => format!(
                "fork + waitpid, parent touched {} MiB",
                big_bytes(cfg) >> 20
            ),
            _ => case.label().to_string(),
        };
        let mut row = Row::new(Key::Spawn(case), "one start + join", &rust_label);
        let scale = Scale::MicrosPer(count as f64);
        let rust = || rust_once(cfg, case, count, &rt).map(|(ok, secs)| (ok as u64, secs));
        match case.python() {
            // Rust and Python in turn, round by round. spawn.py reports seconds per start
            // already; the counts differ, so the answers (clean ends) are not compared.
            Some((py, py_label)) => {
                let args = [py.to_string(), py_count.to_string()];
                let per_start = Scale::MicrosPer(1.0);
                crate::python::in_rounds(cfg, &mut row, rust, scale, py_label, &args, per_start);
            }
            None => {
                cfg.step(&format!("spawn Rust {rust_label}"));
                match repeat(cfg.runs, scale, rust) {
                    Ok((fig, ok)) => {
                        row.rust = Cell::Fig(fig);
                        row.rust_answer = json!(ok);
                    }
                    Err(e) => row.notes.push(format!("Rust: {e}")),
                }
                cfg.done();
            }
        }
        if row
            .rust_answer
            .as_u64()
            .is_some_and(|ok| ok != count as u64)
        {
            row.notes.push(format!(
                "Rust: only {} of {count} ended cleanly",
                row.rust_answer
            ));
        }
        rows.push(row.finish());
    }
    Ok(rows)
}

pub fn targets(rows: &[Row], _cfg: &Cfg) -> Vec<Target> {
    let advantage = |case| find(rows, Key::Spawn(case)).and_then(|r| r.rust_advantage);
    vec![
        check(
            "spawn.fork",
            "spawn: Rust fork+waitpid >= 10x cheaper than Python Process (fork)",
            advantage(Case::Fork),
            times,
            Some(&|v| v >= 10.0),
        ),
        check(
            "spawn.reexec",
            "spawn: Rust Command re-exec >= 50x cheaper than Python Process (spawn)",
            advantage(Case::Command),
            times,
            Some(&|v| v >= 50.0),
        ),
    ]
}
