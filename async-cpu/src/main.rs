//! CPU-bound work inside an async server: computed in the handler it stalls every other
//! request; handed to `spawn_blocking` or to a rayon pool it does not.
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
//! `cargo add clap@4 --features derive`

use axum::{Router, extract::Path, extract::State, http::StatusCode, routing::get};
use clap::{Parser, ValueEnum};
use std::error::Error;
use std::future::IntoFuture;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::thread;
use std::time::{Duration, Instant};
use tokio::{net::TcpListener, runtime::Runtime, sync::oneshot};

const HELLO_DELAY: Duration = Duration::from_millis(200);
/// Counting the primes below this by trial division takes about a second.
const PRIMES_BELOW: u64 = 3_000_000;
/// A bigger n is refused: the work grows faster than n.
const MAX_BELOW: u64 = 5_000_000;
/// Tokio's default is one worker per core. Two, so that the two /primes computed inline fill
/// every worker on any machine, as a busy server's many requests would.
const WORKER_THREADS: usize = 2;
/// The rayon pool's size: however many /primes arrive, they never get more threads than this.
const CPU_THREADS: usize = 2;
const HEAD_START: Duration = Duration::from_millis(100);
const LIMIT: Duration = Duration::from_secs(30);

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

async fn primes(State(way): State<Way>, Path(n): Path<u64>) -> Answer {
    // `Path<u64>` already answers 400 to what is not a number; a huge one is refused here.
    if n > MAX_BELOW {
        let why = format!("n must be at most {MAX_BELOW}\n");
        return Err((StatusCode::BAD_REQUEST, why));
    }
    let count = match way {
        // Wrong: the count runs on this worker thread, which does nothing else until it is done.
        Way::Inline => count_primes(n),
        // Right: tokio's blocking pool (threads kept apart from the workers) does the count;
        // this task awaits it, and meanwhile the worker runs other tasks.
        Way::SpawnBlocking => tokio::task::spawn_blocking(move || count_primes(n))
            .await
            .expect("count_primes does not panic"),
        // Also right, and bounded: the blocking pool grows to 512 threads, rayon's stays at
        // CPU_THREADS. Rayon knows nothing of async, so the count comes back through a
        // oneshot channel, which the task can await.
        Way::Rayon => {
            let (sender, receiver) = oneshot::channel();
            rayon::spawn(move || {
                let _ = sender.send(count_primes(n)); // Err: the client left, nobody waits.
            });
            receiver.await.expect("the job sends before it ends")
        }
    };
    Ok(format!("{count}\n"))
}
// ANCHOR_END: idea

/// Counts the primes below `below` by trial division: CPU work and nothing else.
fn count_primes(below: u64) -> usize {
    (2..below).filter(|&k| is_prime(k)).count()
}

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
        let (runtime, addr) = start(args.way, args.port)?;
        println!("Server started at http://{addr}...");
        runtime.block_on(tokio::signal::ctrl_c())?;
        runtime.shutdown_timeout(LIMIT);
        println!("Server stopped.");
        return Ok(());
    }
    let delay = HELLO_DELAY.as_secs_f64();
    println!("Each round: two /primes/{PRIMES_BELOW} at once, then /hello (sleeps {delay:.1} s)");
    for way in [Way::Inline, Way::SpawnBlocking, Way::Rayon] {
        // A fresh server each round. The client is plain threads outside its runtime: a client
        // task on that runtime would stall with the server and measure nothing.
        let (runtime, addr) = start(way, 0)?;
        let (hello, primes, [a, b]) = requests(addr)?;
        runtime.shutdown_timeout(LIMIT); // Stops the server: its tasks and listener go.
        let (label, verdict) = match way {
            Way::Inline => ("inline", "blocked the runtime"),
            Way::SpawnBlocking => ("spawn_blocking", "the runtime stayed free"),
            Way::Rayon => ("rayon", "the runtime stayed free"),
        };
        println!("{label}: /hello took {hello:.2} s while /primes ran ({verdict})");
        println!("{label}: two /primes/{PRIMES_BELOW} answered {a} and {b} in {primes:.2} s");
    }
    Ok(())
}

/// The server on a runtime of its own, serving on 127.0.0.1:`port`.
fn start(way: Way, port: u16) -> Result<(Runtime, SocketAddr), Box<dyn Error>> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(WORKER_THREADS)
        .enable_all()
        .build()?;
    let listener = runtime
        .block_on(TcpListener::bind(("127.0.0.1", port)))
        .map_err(|e| format!("listen on 127.0.0.1:{port}: {e}"))?;
    let addr = listener.local_addr()?;
    let app = Router::new()
        .route("/hello/{name}", get(hello))
        .route("/primes/{n}", get(primes))
        .with_state(way);
    runtime.spawn(axum::serve(listener, app).into_future());
    Ok((runtime, addr))
}

/// Two /primes, then one /hello: the seconds for the /hello, for everything, the counts.
fn requests(addr: SocketAddr) -> std::io::Result<(f64, f64, [String; 2])> {
    let path = format!("/primes/{PRIMES_BELOW}");
    thread::scope(|s| {
        let start = Instant::now();
        let primes = [(); 2].map(|()| s.spawn(|| fetch(addr, &path)));
        thread::sleep(HEAD_START);
        let hello_start = Instant::now();
        fetch(addr, "/hello/Bob")?;
        let hello_took = hello_start.elapsed().as_secs_f64();
        let [a, b] = primes.map(|p| p.join().expect("fetch does not panic"));
        Ok((hello_took, start.elapsed().as_secs_f64(), [a?, b?]))
    })
}

/// A bare HTTP/1.1 GET with a time limit on every read: the body of a 200 answer.
fn fetch(addr: SocketAddr, path: &str) -> std::io::Result<String> {
    let mut stream = TcpStream::connect_timeout(&addr, LIMIT)?;
    stream.set_read_timeout(Some(LIMIT))?;
    write!(stream, "GET {path} HTTP/1.0\r\n\r\n")?; // HTTP/1.0: one answer, then EOF.
    let mut page = String::new();
    stream.take(65_536).read_to_string(&mut page)?;
    let (head, body) = page.split_once("\r\n\r\n").unwrap_or_default();
    if !head.contains(" 200 OK") {
        return Err(std::io::Error::other(format!("GET {path}: {page:?}")));
    }
    Ok(body.trim().to_string())
}
