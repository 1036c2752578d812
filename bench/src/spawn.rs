//! spawn group: what one start (and join) of a process, thread or task costs.

use crate::Res;
use crate::config::Cfg;
use crate::group::{Check, Group};
use crate::python::Script;
use crate::report::pairs_table;
use crate::row::{Cell, Row, find};
use crate::stats::{Scale, repeat, timed};
use crate::targets::{Target, check, times};
use serde::{Deserialize, Serialize};
use serde_json::json;

const NAME: &str = "spawn";
const SCRIPT: Script = Script {
    name: "spawn.py",
    text: include_str!("../python/spawn.py"),
};

/// What this binary does when restarted by the spawn group.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
enum Role {
    /// Exits at once: the re-exec being timed.
    Noop,
    /// Writes to every page of `touch` bytes (so a fork must copy page tables for all of
    /// it), then times `count` fork + waitpid and prints "clean-ends seconds".
    ForkWait { count: usize, touch: usize },
}

pub struct Spawn;

impl Group for Spawn {
    fn name(&self) -> &'static str {
        NAME
    }

    fn planned(&self, _cfg: &Cfg) -> u64 {
        (Case::ALL.len() + Case::ALL.iter().filter(|c| c.python().is_some()).count()) as u64
    }

    fn run(&self, cfg: &Cfg) -> Res<Vec<Row>> {
        run(cfg)
    }

    fn targets(&self, rows: &[Row], _cfg: &Cfg) -> Vec<Target> {
        targets(rows)
    }

    fn table(&self, rows: &[Row], _cfg: &Cfg) -> String {
        pairs_table("spawn: cost of one start + join", rows)
    }

    fn child(&self, role: &str) -> Res<()> {
        match crate::child::parse(role)? {
            Role::Noop => Ok(()),
            Role::ForkWait { count, touch } => fork_wait_role(count, touch),
        }
    }

    fn checks(&self, _exe: &std::path::Path) -> Res<Vec<Check>> {
        Ok(vec![Check {
            name: "spawn fork".into(),
            script: SCRIPT.name,
            args: ["fork", "3", "0", "1"].map(String::from).to_vec(),
            rust: json!({ "answer": fork_wait(3)? }),
        }])
    }
}

/// One kind of start, with its Python counterpart where one exists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Case {
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

#[cfg(unix)]
fn fork_wait(count: usize) -> Res<usize> {
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
fn fork_wait(_count: usize) -> Res<usize> {
    Err("fork is Unix-only; see Command re-exec".into())
}

/// Times `count` forks in a fresh child process (this binary in the `ForkWait` role).
/// The cost of a fork grows with the memory its parent has mapped, so forking from this
/// bench process would measure whatever the groups before it left behind; spawn.py is a
/// fresh interpreter too. Returns the forks that ended cleanly and the seconds they took.
fn fork_in_fresh_process(cfg: &Cfg, count: usize, touch: usize) -> Res<(usize, f64)> {
    let out = crate::child::json(&cfg.exe, NAME, &Role::ForkWait { count, touch })?;
    let ok = out[0].as_u64().ok_or("the fork child printed no count")?;
    let secs = out[1].as_f64().ok_or("the fork child printed no time")?;
    Ok((ok as usize, secs))
}

/// The `ForkWait` role.
fn fork_wait_role(count: usize, touch: usize) -> Res<()> {
    let mut big = vec![0u8; touch];
    for page in big.chunks_mut(4096) {
        page[0] = 1;
    }
    let (ok, secs) = timed(|| fork_wait(count))?;
    std::hint::black_box(&big);
    println!("{}", json!([ok, secs]));
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
                let mut noop = crate::child::command(&cfg.exe, NAME, &Role::Noop);
                ok += usize::from(noop.status()?.success());
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

fn run(cfg: &Cfg) -> Res<Vec<Row>> {
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
        let mut row = Row::new(NAME, case, "one start + join", &rust_label);
        let scale = Scale::MicrosPer(count as f64);
        let rust = || rust_once(cfg, case, count, &rt).map(|(ok, secs)| (ok as u64, secs));
        match case.python() {
            // Rust and Python in turn, round by round. spawn.py reports seconds per start
            // already; the counts differ, so the answers (clean ends) are not compared.
            Some((py, py_label)) => {
                let args = [py.to_string(), py_count.to_string()];
                let per_start = Scale::MicrosPer(1.0);
                let script = &SCRIPT;
                crate::pair::in_rounds(
                    cfg, script, &mut row, rust, scale, py_label, &args, per_start,
                );
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

fn targets(rows: &[Row]) -> Vec<Target> {
    let advantage = |case| find(rows, &case).and_then(|r| r.rust_advantage);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_role_comes_back_as_it_was_sent() {
        for role in [
            Role::Noop,
            Role::ForkWait {
                count: 3,
                touch: 4096,
            },
        ] {
            let json = serde_json::to_string(&role).expect("a role is plain data");
            let back: Role = crate::child::parse(&json).expect("its own JSON parses");
            assert_eq!(back, role);
        }
    }
}
