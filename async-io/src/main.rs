//! Async I/O on one thread: hello, gather, and fetching several web pages at once.
//!
//! Python idea: `asyncio.run(hello())`, `asyncio.gather(hello("Bob"), hello("Alice"))`, and
//! `wget(host)` over `asyncio.open_connection`, all on one event loop.
//!
//! The whole program runs on a current-thread runtime (one thread, like Python's event
//! loop). While a task waits (a sleep, a socket), the thread runs the others, so two sleeps
//! of 0.5 s take 0.5 s, and three pages that each take a while arrive in the time of the
//! slowest. With no host arguments, `wget` fetches from three small HTTP servers this
//! program starts on 127.0.0.1, each answering after its own delay, so it works offline.
//! With `--tasks N` it instead runs N sleeping tasks at once: tasks are cheap.
//!
//! Run with: cargo run -p async-io   (or: -- example.com:80 ..., or: -- --tasks 100000)
//!
//! ```text
//! Hello!
//! Hello again!
//! Hello Bob! (ThreadId(1))
//! Hello Alice! (ThreadId(1))
//! Hello Bob again! (ThreadId(1))
//! Hello Alice again! (ThreadId(1))
//! ["Bob", "Alice"]
//! gather: 2 tasks done in 0.50 s, each slept 0.50 s
//! local hosts answer after [300, 100, 200] ms: 600 ms one after another
//! wget 127.0.0.1:41001...
//! wget 127.0.0.1:41002...
//! wget 127.0.0.1:41003...
//! 127.0.0.1:41002 header > HTTP/1.1 200 OK        (order may vary from here on)
//! 127.0.0.1:41002 header > Content-Type: text/html
//! ...
//! Done 127.0.0.1:41002.
//! ...
//! wget: 3 of 3 hosts answered in 0.30 s
//! ```

use std::error::Error;
use std::process::ExitCode;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;
use tokio::time::{sleep, timeout};

/// The `asyncio.sleep` of hello and gather.
const DELAY: Duration = Duration::from_millis(500);
/// How long each local "host" takes to answer: different, so they finish out of order.
const HOST_DELAYS_MS: [u64; 3] = [300, 100, 200];
/// A real host that never answers must not hang the demo.
const WGET_TIMEOUT: Duration = Duration::from_secs(10);
/// A few hundred bytes per task: a million is a few hundred MiB, a billion would not fit.
const MAX_TASKS: usize = 1_000_000;
const USAGE: &str = "usage: async-io [HOST[:PORT]...] | async-io --tasks N";

// One thread for everything, servers included: concurrency here comes from waiting well,
// not from parallelism.
#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    match run().await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<ExitCode, Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("-h" | "--help") => {
            println!("{USAGE}");
            return Ok(ExitCode::SUCCESS);
        }
        Some("--tasks") => {
            let n: usize = match &args[1..] {
                [n] => n.parse().map_err(|e| format!("--tasks {n}: {e}"))?,
                _ => return Err("--tasks takes one number".into()),
            };
            if !(1..=MAX_TASKS).contains(&n) {
                return Err(format!("--tasks {n}: must be from 1 to {MAX_TASKS}").into());
            }
            many_tasks(n).await?;
            return Ok(ExitCode::SUCCESS);
        }
        Some(flag) if flag.starts_with('-') => return Err(format!("unknown option {flag}").into()),
        _ => {}
    }

    hello().await;
    gather().await?;

    let mut servers = Vec::new();
    let hosts = if args.is_empty() {
        let mut hosts = Vec::new();
        for delay in HOST_DELAYS_MS.map(Duration::from_millis) {
            // Port 0: the OS picks a free port, so this never clashes with anything.
            let listener = TcpListener::bind("127.0.0.1:0").await?;
            hosts.push(listener.local_addr()?.to_string());
            servers.push(tokio::spawn(serve(listener, delay)));
        }
        let one_after_another: u64 = HOST_DELAYS_MS.iter().sum();
        println!(
            "local hosts answer after {HOST_DELAYS_MS:?} ms: {one_after_another} ms one after another"
        );
        hosts
    } else {
        args
    };
    let all_answered = wget_all(hosts).await;
    // The servers would stop with the runtime anyway; stopping them here says so.
    servers.iter().for_each(|server| server.abort());
    Ok(if all_answered {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

async fn hello() {
    println!("Hello!");
    sleep(DELAY).await; // The thread is free to run other tasks meanwhile.
    println!("Hello again!");
}

async fn greet(name: &'static str) -> &'static str {
    println!("Hello {name}! ({:?})", std::thread::current().id());
    sleep(DELAY).await;
    println!("Hello {name} again! ({:?})", std::thread::current().id());
    name
}

async fn gather() -> Result<(), Box<dyn Error>> {
    let start = Instant::now();
    // Two separate tasks, like the tasks `gather` makes, yet one thread runs both.
    let bob = tokio::spawn(greet("Bob"));
    let alice = tokio::spawn(greet("Alice"));
    // Awaiting the handles in order gives the results in order, as `gather` does.
    let names = vec![bob.await?, alice.await?];
    println!("{names:?}");
    let (took, delay) = (start.elapsed().as_secs_f64(), DELAY.as_secs_f64());
    println!("gather: 2 tasks done in {took:.2} s, each slept {delay:.2} s");
    Ok(())
}

/// Fetches every host at once; a host that fails gets one `error:` line. Returns whether
/// all of them answered.
async fn wget_all(hosts: Vec<String>) -> bool {
    let start = Instant::now();
    let total = hosts.len();
    let mut fetches = JoinSet::new();
    for host in hosts {
        fetches.spawn(async move {
            let result = match timeout(WGET_TIMEOUT, wget(&host)).await {
                Ok(result) => result.map_err(|e| e.to_string()),
                Err(_) => Err(format!("no answer within {} s", WGET_TIMEOUT.as_secs())),
            };
            // Reported at once, while the other fetches go on.
            result
                .inspect_err(|e| eprintln!("error: wget {host}: {e}"))
                .is_ok()
        });
    }
    let answered = fetches
        .join_all()
        .await
        .into_iter()
        .filter(|ok| *ok)
        .count();
    let took = start.elapsed().as_secs_f64();
    println!("wget: {answered} of {total} hosts answered in {took:.2} s");
    answered == total
}

/// Sends `GET / HTTP/1.0` and prints the response headers, like the tutorial's `wget`.
async fn wget(host: &str) -> Result<(), Box<dyn Error>> {
    println!("wget {host}...");
    // "name:port", or just "name" for port 80 (a bare IPv6 address has colons of its own).
    let (name, port) = match host.rsplit_once(':') {
        Some((name, port)) if !name.contains(':') => (
            name,
            port.parse::<u16>()
                .map_err(|e| format!("port {port}: {e}"))?,
        ),
        _ => (host, 80),
    };
    let mut stream = TcpStream::connect((name, port)).await?;
    let request = format!("GET / HTTP/1.0\r\nHost: {host}\r\n\r\n");
    stream.write_all(request.as_bytes()).await?;
    // `take` caps what a real host that never ends its headers can make us buffer.
    let mut reader = BufReader::new(stream.take(64 * 1024));
    let mut line = String::new();
    // Headers end at an empty line (or when the server closes the connection).
    while reader.read_line(&mut line).await? > 0 && !line.trim_end().is_empty() {
        println!("{host} header > {}", line.trim_end());
        line.clear();
    }
    println!("Done {host}.");
    Ok(())
}

/// The local stand-in for a web site: answers every request after `delay`.
async fn serve(listener: TcpListener, delay: Duration) {
    while let Ok((stream, _)) = listener.accept().await {
        // A task per connection, so a slow client never holds up the next one. A client
        // that hangs up early only ends its own task, hence the ignored result.
        tokio::spawn(async move {
            let _ = answer(stream, delay).await;
        });
    }
}

async fn answer(mut stream: TcpStream, delay: Duration) -> std::io::Result<()> {
    let (read_half, mut write_half) = stream.split();
    // `take` caps what a misbehaving client can make us buffer.
    let mut request = BufReader::new(read_half.take(16 * 1024));
    let mut line = String::new();
    while request.read_line(&mut line).await? > 0 && !line.trim_end().is_empty() {
        line.clear(); // The request head is read and ignored: every path gets the same page.
    }
    sleep(delay).await; // A slow web site.
    let body = "<h1>Hello from 127.0.0.1</h1>\n";
    let head = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    write_half.write_all(head.as_bytes()).await?;
    write_half.write_all(body.as_bytes()).await
}

/// `--tasks N`: N tasks that each sleep 1 s, all at once, on this one thread.
async fn many_tasks(n: usize) -> Result<(), Box<dyn Error>> {
    let start = Instant::now();
    let mut sleepers = JoinSet::new();
    for _ in 0..n {
        sleepers.spawn(sleep(Duration::from_secs(1)));
    }
    while let Some(done) = sleepers.join_next().await {
        done?;
    }
    let took = start.elapsed().as_secs_f64();
    println!("{n} tasks slept 1 s each in {took:.2} s of wall time");
    // A thread each would instead reserve its own stack (2 MiB by default in Rust).
    match peak_memory_kib() {
        Some(kib) => println!("peak memory: {:.1} MiB", kib as f64 / 1024.0),
        None => println!("peak memory: n/a (only measured on Linux)"),
    }
    Ok(())
}

/// The peak resident set size, as Linux reports it in /proc (`VmHWM`, the high-water mark).
fn peak_memory_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
