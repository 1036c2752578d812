//! spawn group: what one start (and join) of a process, thread or task costs.

use crate::model::{Cell, Cfg, Row};
use crate::stats::{Fig, Res, Scale, repeat, timed};
use serde_json::json;
use std::process::Command;

/// (Rust variant, Python counterpart in spawn.py, starts per run in tiny/quick/full,
/// Python starts per run in tiny/quick/full).
struct Case {
    rust: &'static str,
    python: Option<(&'static str, &'static str)>,
    count: [usize; 3],
    py_count: [usize; 3],
}

const CASES: [Case; 5] = [
    Case {
        rust: "fork + waitpid",
        python: Some(("fork", "Process (fork) start + join")),
        count: [3, 300, 1000],
        py_count: [2, 10, 100],
    },
    Case {
        rust: "fork + waitpid, parent touched big memory",
        python: None,
        count: [2, 10, 30],
        py_count: [0, 0, 0],
    },
    Case {
        rust: "Command re-exec + wait",
        python: Some(("spawn", "Process (spawn) start + join")),
        count: [2, 50, 200],
        py_count: [1, 3, 10],
    },
    Case {
        rust: "thread spawn + join",
        python: Some(("thread", "Thread start + join")),
        count: [5, 2000, 20_000],
        py_count: [5, 500, 5000],
    },
    Case {
        rust: "tokio task spawn + await (current-thread runtime)",
        python: Some(("task", "asyncio task create + await")),
        count: [5, 20_000, 200_000],
        py_count: [5, 2000, 20_000],
    },
];

fn big_bytes(cfg: &Cfg) -> usize {
    cfg.mode.pick(64 << 20, 1 << 30, 1 << 30)
}

pub fn planned(_cfg: &Cfg) -> u64 {
    (CASES.len() + CASES.iter().filter(|c| c.python.is_some()).count()) as u64
}

fn idx(cfg: &Cfg) -> usize {
    cfg.mode.pick(0, 1, 2)
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

fn rust_case(cfg: &Cfg, case: &Case, count: usize) -> Res<(Fig, u64)> {
    let scale = Scale::MicrosPer(count as f64);
    let (fig, ok) = match case.rust {
        "fork + waitpid" => repeat(cfg.runs, scale, || fork_in_fresh_process(cfg, count, 0))?,
        "fork + waitpid, parent touched big memory" => repeat(cfg.runs, scale, || {
            fork_in_fresh_process(cfg, count, big_bytes(cfg))
        })?,
        "Command re-exec + wait" => repeat(cfg.runs, scale, || {
            timed(|| {
                let mut ok = 0;
                for _ in 0..count {
                    ok += usize::from(Command::new(&cfg.exe).arg("__noop").status()?.success());
                }
                Ok(ok)
            })
        })?,
        "thread spawn + join" => repeat(cfg.runs, scale, || {
            timed(|| {
                let mut ok = 0;
                for _ in 0..count {
                    ok += usize::from(std::thread::spawn(|| 1u8).join().is_ok());
                }
                Ok(ok)
            })
        })?,
        _ => {
            // One thread, like asyncio's event loop: a multi-thread runtime would add a
            // cross-thread wake-up to every task.
            let rt = tokio::runtime::Builder::new_current_thread().build()?;
            repeat(cfg.runs, scale, || {
                timed(|| {
                    rt.block_on(async {
                        let mut ok = 0;
                        for _ in 0..count {
                            ok += usize::from(tokio::spawn(async { 1u8 }).await.is_ok());
                        }
                        Ok(ok)
                    })
                })
            })?
        }
    };
    Ok((fig, ok as u64))
}

pub fn run(cfg: &Cfg) -> Res<Vec<Row>> {
    let mut rows = Vec::new();
    let i = idx(cfg);
    for case in &CASES {
        let count = case.count[i];
        let rust_label = if case.rust.contains("big memory") {
            format!(
                "fork + waitpid, parent touched {} MiB",
                big_bytes(cfg) >> 20
            )
        } else {
            case.rust.to_string()
        };
        let mut row = Row::new("spawn", "one start + join", &rust_label);
        cfg.step(&format!("spawn Rust {rust_label}"));
        match rust_case(cfg, case, count) {
            Ok((fig, ok)) => {
                row.rust = Cell::Fig(fig);
                row.rust_answer = json!(ok);
                if ok != count as u64 {
                    row.notes
                        .push(format!("Rust: only {ok} of {count} ended cleanly"));
                }
            }
            Err(e) => row.notes.push(format!("Rust: {e}")),
        }
        cfg.done();
        if let Some((py, py_label)) = case.python {
            cfg.step(&format!("spawn Python {py}"));
            let n = case.py_count[i];
            let args = [
                py.to_string(),
                n.to_string(),
                cfg.runs.warmup.to_string(),
                cfg.runs.repeats.to_string(),
            ];
            // spawn.py reports seconds per start already.
            row.set_python(py_label, cfg.py("spawn.py", &args), |s| {
                Fig::new("us/op", s.iter().map(|x| x * 1e6).collect())
            });
            cfg.done();
        }
        rows.push(row.finish());
    }
    Ok(rows)
}
