//! CPU-bound work inside an async server: computed in the handler it stalls every other
//! request; handed to `spawn_blocking` or to a rayon pool it does not. Either way the work is
//! bounded and stops when its client leaves.
//!
//! Python idea: an aiohttp handler that computes for a second blocks the event loop; the cure
//! is `loop.run_in_executor(pool, ...)`, and for CPU work only a process pool helps (the GIL).
//!
//! A tokio runtime runs many tasks on a few worker threads and switches only at `.await`. A
//! handler that counts primes for a second never awaits, so it holds its worker thread that
//! long: requests, timers and even new connections queued on it wait. Here `/hello/{name}`
//! sleeps 0.2 s (async) and `/primes/{n}` counts the primes below n (about a second for
//! 3000000). With no arguments the program runs three rounds against its own server on
//! 127.0.0.1: two /primes requests, then a /hello request, and how long the /hello took,
//! with /primes computed inline, in `spawn_blocking`, and on a rayon pool. Then it exits.
//!
//! Dropping a future does not stop a thread: a job handed to a pool runs on after its client
//! has gone, unless it checks a flag. Here hyper drops the handler when its client
//! disconnects, a guard in the handler sets the flag, and the count stops at its next chunk.
//! At most 4 counts run or wait at once; past that a /primes gets 503 with a reason. As in
//! async-web, a request head must arrive within 10 s, and Ctrl-C gives open requests 3 s (a
//! second Ctrl-C exits at once).
//!
//! Run with: cargo run -p async-cpu   (or `-- --serve [--port 8000] [--way inline]`, then
//! open http://127.0.0.1:8000/primes/3000000 and /hello/Bob in two tabs)
//!
//! ```text
//! Each round: two /primes/3000000 at once, then /hello (sleeps 0.2 s)
//! inline: /hello took 1.13 s while /primes ran (blocked the runtime)
//! inline: two /primes/3000000 answered 216816 and 216816 in 1.21 s
//! spawn_blocking: /hello took 0.20 s while /primes ran (the runtime stayed free)
//! spawn_blocking: two /primes/3000000 answered 216816 and 216816 in 1.18 s
//! rayon: /hello took 0.20 s while /primes ran (the runtime stayed free)
//! rayon: two /primes/3000000 answered 216816 and 216816 in 1.19 s
//! ```
//!
//! To copy: `cargo add tokio@1 --features full`, `cargo add axum@0.8 rayon@1`,
//! `cargo add hyper@1 --features server,http1`,
//! `cargo add hyper-util@0.1.19 --features tokio,server-graceful,service,http1` and
//! `cargo add clap@4 --features derive`

mod client;
mod server;

use axum::{Router, extract::Path, extract::State, http::StatusCode, routing::get};
use clap::{Parser, ValueEnum};
use std::error::Error;
use std::sync::{Arc, atomic::AtomicBool, atomic::Ordering::Relaxed};
use std::time::Duration;
use tokio::sync::{Semaphore, oneshot};

const HELLO_DELAY: Duration = Duration::from_millis(200);
/// Counting the primes below this by trial division takes about a second.
const PRIMES_BELOW: u64 = 3_000_000;
/// A bigger n is refused: the work grows faster than n.
const MAX_BELOW: u64 = 5_000_000;
/// The most /primes counted or waiting at once; the next one is told to come back later.
const MAX_JOBS: usize = 4;
/// A count checks its cancellation flag after each chunk of this many numbers.
const CHUNK: u64 = 10_000;
/// The rayon pool's size: however many /primes arrive, they never get more threads than this.
const CPU_THREADS: usize = 2;

type Answer = Result<String, (StatusCode, String)>;

#[derive(Clone, Copy, ValueEnum)]
enum Way {
    Inline,
    #[value(name = "spawn_blocking")]
    SpawnBlocking,
    Rayon,
}

// ANCHOR: idea
async fn hello(Path(name): Path<String>) -> String {
    tokio::time::sleep(HELLO_DELAY).await;
    format!("hello, {name}!\n")
}

async fn primes(State((way, jobs)): State<(Way, Arc<Semaphore>)>, Path(n): Path<u64>) -> Answer {
    // `Path<u64>` already answers 400 to what is not a number; a huge one is refused here.
    if n > MAX_BELOW {
        return Err((
            StatusCode::BAD_REQUEST,
            format!("n must be at most {MAX_BELOW}\n"),
        ));
    }
    // A bounded queue: past MAX_JOBS the client hears so now, instead of waiting behind them.
    let Ok(permit) = jobs.try_acquire_owned() else {
        let why = format!("busy: {MAX_JOBS} counts are running or waiting; try again later\n");
        return Err((StatusCode::SERVICE_UNAVAILABLE, why));
    };
    // Set when this handler's future is dropped: hyper drops it when the client disconnects.
    let cancelled = Arc::new(AtomicBool::new(false));
    let _cancel_on_drop = CancelOnDrop(cancelled.clone());
    let count = match way {
        // Wrong: the count runs on this worker thread, which does nothing else until it is done
        // (and, never awaiting, it cannot even be dropped until then).
        Way::Inline => count_primes(n, &cancelled),
        // Right: tokio's blocking pool (threads kept apart from the workers) does the count;
        // this task awaits it, and meanwhile the worker runs other tasks. The job keeps the
        // permit: it counts against MAX_JOBS until it has really stopped.
        Way::SpawnBlocking => tokio::task::spawn_blocking(move || {
            let _permit = permit;
            count_primes(n, &cancelled)
        })
        .await
        .expect("count_primes does not panic"),
        // Also right, with a fixed number of threads. Rayon knows nothing of async, so the
        // count comes back through a oneshot channel, which the task can await.
        Way::Rayon => {
            let (sender, receiver) = oneshot::channel();
            rayon::spawn(move || {
                let _permit = permit;
                let _ = sender.send(count_primes(n, &cancelled)); // Err: nobody waits.
            });
            receiver.await.expect("the job sends before it ends")
        }
    };
    // Only a dropped handler sets the flag, and this one is running.
    Ok(format!("{}\n", count.expect("not cancelled")))
}

/// Counts the primes below `below` by trial division: CPU work, checking between chunks
/// whether anyone still wants the answer. `None`: cancelled.
fn count_primes(below: u64, cancelled: &AtomicBool) -> Option<usize> {
    let mut count = 0;
    for start in (2..below).step_by(CHUNK as usize) {
        if cancelled.load(Relaxed) {
            return None;
        }
        count += (start..below.min(start + CHUNK))
            .filter(|&k| is_prime(k))
            .count();
    }
    Some(count)
}

/// Dropping a future only stops it at its last `.await`; a thread it started runs on. This
/// guard, dropped with the handler, tells the thread.
struct CancelOnDrop(Arc<AtomicBool>);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Relaxed);
    }
}
// ANCHOR_END: idea

fn is_prime(k: u64) -> bool {
    let mut d = 2;
    while d * d <= k {
        if k.is_multiple_of(d) {
            return false;
        }
        d += 1;
    }
    true
}

/// Runs three rounds against its own server, or with --serve serves until Ctrl-C.
#[derive(Parser)]
struct Args {
    /// Serve until Ctrl-C instead of running the three rounds
    #[arg(long)]
    serve: bool,
    /// The port to serve on (0: any free port)
    #[arg(long, default_value_t = 8000, requires = "serve")]
    port: u16,
    /// How /primes does its work
    #[arg(long, value_enum, default_value_t = Way::SpawnBlocking, requires = "serve")]
    way: Way,
}

fn main() -> Result<(), Box<dyn Error>> {
    let args = Args::parse();
    rayon::ThreadPoolBuilder::new()
        .num_threads(CPU_THREADS)
        .build_global()?;
    if args.serve {
        let (runtime, listener) = server::listen(args.port)?;
        println!("Server started at http://{}...", listener.local_addr()?);
        // With --way inline, counts that hold both workers hold up Ctrl-C too, until they end.
        let stopped = runtime.block_on(server::serve_until_ctrl_c(listener, app(args.way)));
        println!("{stopped}");
        // Counts still running see their flag set as their connections go, and stop.
        runtime.shutdown_background();
        return Ok(());
    }
    let delay = HELLO_DELAY.as_secs_f64();
    println!("Each round: two /primes/{PRIMES_BELOW} at once, then /hello (sleeps {delay:.1} s)");
    for (way, label) in [
        (Way::Inline, "inline"),
        (Way::SpawnBlocking, "spawn_blocking"),
        (Way::Rayon, "rayon"),
    ] {
        // A fresh server each round.
        let (runtime, listener) = server::listen(0)?;
        let addr = listener.local_addr()?;
        runtime.spawn(server::serve(listener, app(way), std::future::pending()));
        let (hello, primes, [a, b]) = client::requests(addr, &format!("/primes/{PRIMES_BELOW}"))?;
        drop(runtime); // Stops the server: its tasks and listener go.
        // The verdict is the figure's: a /hello that took twice its sleep waited for a worker.
        let verdict = match hello > 2.0 * delay {
            true => "blocked the runtime",
            false => "the runtime stayed free",
        };
        println!("{label}: /hello took {hello:.2} s while /primes ran ({verdict})");
        println!("{label}: two /primes/{PRIMES_BELOW} answered {a} and {b} in {primes:.2} s");
    }
    Ok(())
}

/// The routes, with at most MAX_JOBS counts at once.
fn app(way: Way) -> Router {
    Router::new()
        .route("/hello/{name}", get(hello))
        .route("/primes/{n}", get(primes))
        .with_state((way, Arc::new(Semaphore::new(MAX_JOBS))))
}
