//! The multi-core dead loop: one busy thread per core, and how much CPU they really get.
//!
//! Python idea: `x = x ^ 1` in one thread per core runs at about 100% CPU in total, because
//! the GIL lets one thread run Python code at a time. Rust threads have no such lock.
//!
//! Run with: cargo run -p multicore-demo [-- --threads N] [--seconds S]
//!
//! Expected output (on 2 idle cores; a busy machine gives less):
//! ```text
//! cores: 2, threads: 2, CPU use: 198%
//! python3: threads: 2, CPU use: 100% (GIL enabled)
//! ```
//! Where `python3` is not on the PATH, the second line says so instead.

use std::error::Error;
use std::fmt::Display;
use std::hint::black_box;
use std::process::Command;
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::thread;
use std::time::{Duration, Instant};

const DEFAULT_SECONDS: f64 = 2.0;

/// The Python side, written for this demo: the tutorial's loop in `n` threads for `secs`
/// seconds; it measures its own CPU time (`process_time`: user + system, all threads).
const PYTHON: &str = r#"
import sys, threading, time
n, secs = int(sys.argv[1]), float(sys.argv[2])
running = True
def loop():
    x = 0
    while running:
        x = x ^ 1
threads = [threading.Thread(target=loop) for _ in range(n)]
cpu, wall = time.process_time(), time.perf_counter()
for t in threads:
    t.start()
time.sleep(secs)
running = False
for t in threads:
    t.join()
gil = getattr(sys, "_is_gil_enabled", lambda: True)()
print(time.process_time() - cpu, time.perf_counter() - wall, int(gil))
"#;

/// CPU time used so far by all threads of this process, user plus system.
#[cfg(unix)]
fn cpu_time() -> Result<Option<Duration>, Box<dyn Error>> {
    use nix::sys::resource::{UsageWho, getrusage};
    use nix::sys::time::TimeValLike;
    let usage = getrusage(UsageWho::RUSAGE_SELF).map_err(|e| format!("getrusage: {e}"))?;
    let micros = usage.user_time().num_microseconds() + usage.system_time().num_microseconds();
    Ok(Some(Duration::from_micros(u64::try_from(micros)?)))
}

/// std has no portable way to read a process's CPU time; getrusage is Unix-only.
#[cfg(not(unix))]
fn cpu_time() -> Result<Option<Duration>, Box<dyn Error>> {
    Ok(None)
}

fn run_rust(threads: usize, run_for: Duration) -> Result<Option<f64>, Box<dyn Error>> {
    let stop = AtomicBool::new(false);
    let (cpu0, wall0) = (cpu_time()?, Instant::now());
    thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                let mut x = 0_u64;
                // Relaxed is enough: the flag carries no other data to see along with it.
                while !stop.load(Relaxed) {
                    // black_box keeps the optimiser from deleting a loop whose result is unused.
                    x = black_box(x ^ 1);
                }
            });
        }
        thread::sleep(run_for);
        stop.store(true, Relaxed); // The scope then joins every thread.
    });
    let (cpu1, wall) = (cpu_time()?, wall0.elapsed());
    Ok(cpu0
        .zip(cpu1)
        .map(|(a, b)| b.saturating_sub(a).as_secs_f64() / wall.as_secs_f64() * 100.0))
}

/// Runs the Python loop; `Ok(None)` if python3 is not installed.
fn run_python(threads: usize, run_for: Duration) -> Result<Option<(f64, bool)>, Box<dyn Error>> {
    let args = [threads.to_string(), run_for.as_secs_f64().to_string()];
    let output = match Command::new("python3")
        .arg("-c")
        .arg(PYTHON)
        .args(args)
        .output()
    {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        result => result.map_err(|e| format!("cannot run python3: {e}"))?,
    };
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(format!("python3 failed ({}): {}", output.status, stderr.trim()).into());
    }
    let text = String::from_utf8_lossy(&output.stdout);
    let fields: Vec<f64> = text
        .split_whitespace()
        .filter_map(|f| f.parse().ok())
        .collect();
    match fields[..] {
        [cpu, wall, gil] => Ok(Some((cpu / wall * 100.0, gil != 0.0))),
        _ => Err(format!("unexpected output from python3: {text:?}").into()),
    }
}

/// The value after `flag`, parsed.
fn parse_value<T: FromStr>(flag: &str, value: Option<String>) -> Result<T, String>
where
    T::Err: Display,
{
    let value = value.ok_or(format!("bad argument: {flag} needs a value"))?;
    value
        .parse()
        .map_err(|e| format!("bad argument: {flag} {value}: {e}"))
}

fn run() -> Result<(), Box<dyn Error>> {
    let cores = thread::available_parallelism()
        .map_err(|e| format!("cannot count the cores: {e}"))?
        .get();
    let (mut threads, mut seconds) = (cores, DEFAULT_SECONDS);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-h" | "--help" => {
                println!("usage: multicore-demo [--threads N] [--seconds S]");
                println!(
                    "  N busy threads (default: one per core) for S seconds (default {DEFAULT_SECONDS})"
                );
                return Ok(());
            }
            "--threads" => threads = parse_value(&arg, args.next())?,
            "--seconds" => seconds = parse_value(&arg, args.next())?,
            other => return Err(format!("bad argument: {other} (try --help)").into()),
        }
    }
    if !(1..=256).contains(&threads) || !(0.1..=60.0).contains(&seconds) {
        return Err(
            "bad argument: need --threads from 1 to 256 and --seconds from 0.1 to 60".into(),
        );
    }
    let run_for = Duration::from_secs_f64(seconds);

    match run_rust(threads, run_for)? {
        Some(cpu) => println!("cores: {cores}, threads: {threads}, CPU use: {cpu:.0}%"),
        None => println!(
            "cores: {cores}, threads: {threads}, CPU use: unknown (getrusage is Unix-only)"
        ),
    }
    match run_python(threads, run_for)? {
        Some((cpu, gil)) => {
            let gil = if gil {
                "GIL enabled"
            } else {
                "GIL disabled: a free-threaded build"
            };
            println!("python3: threads: {threads}, CPU use: {cpu:.0}% ({gil})");
        }
        None => println!("python3: not found on the PATH, so no comparison"),
    }
    Ok(())
}

fn main() {
    if let Err(e) = run() {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}
