//! Cancelling async work: what stops, what runs on, and what gets to clean up.
//!
//! Python idea: `asyncio.timeout`, a `TaskGroup` and `task.cancel()` raise `CancelledError`
//! in a coroutine at the `await` where it waits, and it may catch it to clean up; work sent
//! to a thread with `asyncio.to_thread` runs on whatever happens to its caller.
//!
//! In Rust, cancelling a future is dropping it: it stops at the `.await` where it waits, what
//! it holds is dropped (destructors run), and no line after that `.await` ever runs. Five
//! parts, each printing what happened: a timeout around three steps; lines read in a
//! `select!` loop beside a timer, with a read that is not cancel safe and with one that is;
//! a `JoinSet` in which one task fails; `JoinHandle::abort` beside a `CancellationToken`;
//! a `spawn_blocking` job whose caller gave up (CPU time comes from getrusage: Unix only).
//!
//! Run with: cargo run -p cancel-demo
//!
//! ```text
//! timeout: step 1 started
//! timeout: step 1 done
//! timeout: step 2 started
//! timeout: step 2 done
//! timeout: step 3 started
//! timeout: gave up after 0.50 s
//! timeout: 1.00 s later, 2 of 3 steps done
//! race: a read that is not cancel safe: 5 lines sent, 0 read whole, 11 of 24 bytes lost
//! race: a read that is cancel safe: 5 lines sent, 5 read whole, 0 of 24 bytes lost
//! group: C finished
//! group: A failed: disk full
//! group: cancelled: B
//! stop: asked to stop, saving 14 items
//! stop: aborted: cancelled before it saved anything
//! stop: asked to stop: 14 items saved
//! blocking: the caller gave up after 0.10 s; the job burned 0.87 CPU-seconds after that
//! blocking with a stop flag: the caller gave up after 0.10 s; the job burned 0.00 CPU-seconds after that
//! ```
//!
//! To copy: `cargo add tokio@1 --features full`, `cargo add tokio-util@0.7.12`,
//! `cargo add nix@0.31 --features resource`

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::Relaxed};
use std::{error::Error, sync::Arc, time::Duration, time::Instant};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::time::{interval, sleep, timeout};
use tokio_util::sync::CancellationToken;

const STEP: Duration = Duration::from_millis(100);
const SENT: [&[u8]; 5] = [b"one\n", b"two\n", b"three\n", b"four\n", b"five\n"];
const ITEM: Duration = Duration::from_millis(20);
const JOB_SIZE: u64 = 500_000; // About a second of trial division (debug build).

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    steps_under_timeout().await;
    lines_beside_a_timer(false).await?;
    lines_beside_a_timer(true).await?;
    task_group().await;
    abort_or_ask().await?;
    give_up_on_blocking(false).await?;
    give_up_on_blocking(true).await
}

// ANCHOR: timeout
async fn steps_under_timeout() {
    let (done, start) = (AtomicUsize::new(0), Instant::now());
    let three_steps = async {
        for (step, time) in [(1, STEP), (2, STEP), (3, 10 * STEP)] {
            println!("timeout: step {step} started");
            sleep(time).await; // Where a dropped future stops: for step 3, nothing below runs.
            done.fetch_add(1, Relaxed);
            println!("timeout: step {step} done");
        }
    };
    // Err(Elapsed) when the steps take longer than the limit: `timeout` has dropped them.
    if timeout(5 * STEP, three_steps).await.is_err() {
        let took = start.elapsed().as_secs_f64();
        println!("timeout: gave up after {took:.2} s");
    }
    sleep(10 * STEP).await; // More than step 3 had left: had it gone on, it would be done.
    let (later, done) = ((10 * STEP).as_secs_f64(), done.load(Relaxed));
    println!("timeout: {later:.2} s later, {done} of 3 steps done");
}
// ANCHOR_END: timeout
// ANCHOR: race
async fn lines_beside_a_timer(safe: bool) -> Result<(), Box<dyn Error>> {
    let (reader, mut writer) = tokio::io::duplex(1024);
    let sender = tokio::spawn(async move {
        for line in SENT {
            // The halves come 0.1 s apart, and the 20 ms timer always wins in between.
            let (first, second) = line.split_at(line.len() / 2);
            writer.write_all(first).await?;
            sleep(Duration::from_millis(100)).await;
            writer.write_all(second).await?;
        }
        std::io::Result::Ok(()) // `writer` is dropped here: the reader sees the end.
    });
    let (mut reader, mut ticks) = (BufReader::new(reader), interval(Duration::from_millis(20)));
    let (mut kept, mut read) = (Vec::new(), Vec::new());
    loop {
        let mut fresh = Vec::new();
        // Where read_until puts a line's bytes as they come: a buffer kept across turns
        // (cancel safe), or one made for this turn and dropped if the timer wins (not safe).
        let line = if safe { &mut kept } else { &mut fresh };
        tokio::select! {
            n = reader.read_until(b'\n', line) => match n? {
                0 => break,
                _ => read.push(std::mem::take(line)),
            },
            _ = ticks.tick() => {} // Say, a heartbeat to send while waiting.
        }
    }
    sender.await??;
    let whole = read.iter().filter(|line| SENT.contains(&&line[..])).count();
    let (lines, sent) = (SENT.len(), SENT.concat().len());
    let lost = sent - read.concat().len();
    let how = if safe { "is" } else { "is not" };
    println!(
        "race: a read that {how} cancel safe: {lines} lines sent, {whole} read whole, \
         {lost} of {sent} bytes lost"
    );
    Ok(())
}
// ANCHOR_END: race
// ANCHOR: group
async fn task_group() {
    let (tell, mut told) = tokio::sync::mpsc::unbounded_channel();
    let mut set = tokio::task::JoinSet::new();
    let tasks = [("A", 0.2, true), ("B", 10.0, false), ("C", 0.01, false)];
    for (name, secs, fails) in tasks {
        let tell = tell.clone();
        set.spawn(async move {
            sleep(Duration::from_secs_f64(secs)).await;
            let _ = tell.send(name);
            if fails {
                return Err(format!("{name} failed: disk full"));
            }
            println!("group: {name} finished");
            Ok(())
        });
    }
    while let Some(joined) = set.join_next().await {
        if let Err(why) = joined.expect("no task panics") {
            println!("group: {why}");
            break; // In a function, `?` would do: the set is dropped on the way out.
        }
    }
    drop(set); // Dropping a JoinSet aborts every task still in it.
    drop(tell); // `recv` ends once every task's `tell` is gone: each ended or was dropped.
    let mut unfinished: Vec<&str> = tasks.iter().map(|task| task.0).collect();
    while let Some(ended) = told.recv().await {
        unfinished.retain(|name| *name != ended);
    }
    println!("group: cancelled: {}", unfinished.join(", "));
}
// ANCHOR_END: group
// ANCHOR: stop
/// Does items, kept in memory, until it is asked to stop; then it saves them with an `.await`.
async fn worker(stop: CancellationToken) -> usize {
    let mut unsaved = 0;
    while stop.run_until_cancelled(sleep(ITEM)).await.is_some() {
        unsaved += 1;
    }
    println!("stop: asked to stop, saving {unsaved} items");
    sleep(ITEM).await; // The write.
    unsaved
}

async fn abort_or_ask() -> Result<(), Box<dyn Error>> {
    let token = CancellationToken::new();
    let to_abort = tokio::spawn(worker(CancellationToken::new()));
    let to_ask = tokio::spawn(worker(token.clone()));
    sleep(Duration::from_millis(300)).await;
    to_abort.abort(); // Dropped at its next `.await`: the code after its loop never runs.
    token.cancel(); // Only a request: the task sees it in `run_until_cancelled`, and cleans up.
    assert!(to_abort.await.is_err_and(|e| e.is_cancelled()));
    let saved = to_ask.await?; // After its own line, "saving ...".
    println!("stop: aborted: cancelled before it saved anything");
    println!("stop: asked to stop: {saved} items saved");
    Ok(())
}
// ANCHOR_END: stop
// ANCHOR: blocking
async fn give_up_on_blocking(check_flag: bool) -> Result<(), Box<dyn Error>> {
    let (stop, start) = (Arc::new(AtomicBool::new(false)), Instant::now());
    let job_stop = Arc::clone(&stop);
    let mut job = tokio::task::spawn_blocking(move || {
        // Counts the primes below JOB_SIZE; if it checks the flag, it stops once it is set.
        (2..JOB_SIZE)
            .take_while(|n| !check_flag || n % 1000 != 0 || !job_stop.load(Relaxed))
            .filter(|n| (2..).take_while(|d| d * d <= *n).all(|d| n % d != 0))
            .count()
    });
    // The caller gives up waiting. Dropping `job`, the JoinHandle, would not stop it either.
    assert!(timeout(Duration::from_millis(100), &mut job).await.is_err());
    let waited = start.elapsed().as_secs_f64();
    stop.store(true, Relaxed); // Only a job that looks at the flag stops.
    let cpu_then = cpu_seconds()?;
    job.await?; // Waited for only to measure what it burned.
    let burned = cpu_seconds()? - cpu_then;
    let how = if check_flag { " with a stop flag" } else { "" };
    println!(
        "blocking{how}: the caller gave up after {waited:.2} s; \
         the job burned {burned:.2} CPU-seconds after that"
    );
    Ok(())
}
// ANCHOR_END: blocking

/// The CPU time this process has used so far, in seconds, user and system (Unix only).
fn cpu_seconds() -> Result<f64, Box<dyn Error>> {
    #[cfg(not(unix))]
    return Err("the CPU time is measured with getrusage, a Unix call".into());
    #[cfg(unix)]
    {
        use nix::sys::{resource::UsageWho, resource::getrusage, time::TimeValLike};
        let usage = getrusage(UsageWho::RUSAGE_SELF)?;
        Ok((usage.user_time() + usage.system_time()).num_microseconds() as f64 / 1e6)
    }
}
