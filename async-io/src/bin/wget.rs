//! wget: the headers of several web sites fetched at once, over raw TCP, on one thread.
//!
//! Python idea: `wget(host)` opens a connection with `asyncio.open_connection`, sends
//! `GET / HTTP/1.0` and prints each header line; `asyncio.gather` runs one `wget` per host,
//! so while one host is slow to answer, the others are being read.
//!
//! With no arguments the hosts are three small web servers this program starts on
//! 127.0.0.1, each answering after its own delay, so it works offline and the overlap
//! shows: all three are done in about the slowest one's delay, not the sum. Real hosts can
//! be given instead (`HOST`, `HOST:PORT` or `[IPv6]:PORT`; port 80 when none is given).
//!
//! Run with: cargo run -p async-io --bin wget   (or: -- example.com www.rust-lang.org:80)
//!
//! ```text
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
//!
//! To copy: `cargo add tokio@1 --features full` and `cargo add clap@4 --features derive`

use clap::Parser;
use std::error::Error;
use std::io;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;
use tokio::time::{sleep, timeout};

/// How long each local "host" takes to answer: different, so they finish out of order.
const HOST_DELAYS_MS: [u64; 3] = [300, 100, 200];
/// A host that never answers, or never ends its headers, must not hang the program.
const WGET_TIMEOUT: Duration = Duration::from_secs(10);
/// The most a response head may take: a host that sends more is not answering HTTP.
const MAX_HEAD: u64 = 64 * 1024;

/// Fetches the headers of several web sites at once, on one thread.
#[derive(Parser)]
struct Args {
    /// HOST, HOST:PORT or [IPv6]:PORT (none: three local hosts this program starts)
    hosts: Vec<String>,
}

// ANCHOR: idea
// One thread for everything, local servers included: the fetches overlap because each
// one waits without holding the thread, not because they run in parallel.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn Error>> {
    let mut hosts = Args::parse().hosts;
    if hosts.is_empty() {
        hosts = start_local_hosts().await?; // They stop with the runtime, when main returns.
    }
    let (start, total) = (Instant::now(), hosts.len());
    let mut fetches = JoinSet::new(); // One task per host, like the tasks `gather` makes.
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
    if answered < total {
        return Err(format!("{} of {total} hosts did not answer", total - answered).into());
    }
    Ok(())
}

/// Sends `GET / HTTP/1.0` and prints the response headers, like the tutorial's `wget`.
async fn wget(host: &str) -> Result<(), Box<dyn Error>> {
    println!("wget {host}...");
    let mut stream = TcpStream::connect(name_and_port(host)?).await?;
    let request = format!("GET / HTTP/1.0\r\nHost: {host}\r\n\r\n");
    stream.write_all(request.as_bytes()).await?;
    for header in read_head(stream).await? {
        println!("{host} header > {header}");
    }
    println!("Done {host}.");
    Ok(())
}
// ANCHOR_END: idea

/// The lines of an HTTP head, up to the empty line that ends it. A head cut off by the
/// peer, or longer than MAX_HEAD, is an error: that peer did not answer.
async fn read_head(stream: impl AsyncRead + Unpin) -> io::Result<Vec<String>> {
    // `take` bounds what a peer can make us read, with or without line breaks.
    let mut reader = BufReader::new(stream.take(MAX_HEAD));
    let mut lines = Vec::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).await?;
        if !line.ends_with('\n') {
            let why = match reader.get_ref().limit() {
                0 => format!("no end of the headers in the first {MAX_HEAD} bytes"),
                _ => "the connection closed before the end of the headers".to_owned(),
            };
            return Err(io::Error::new(io::ErrorKind::InvalidData, why));
        }
        match line.trim_end() {
            "" => return Ok(lines),
            header => lines.push(header.to_owned()),
        }
    }
}

/// `name`, `name:port` or `[IPv6]:port`; port 80 when none is given.
fn name_and_port(host: &str) -> Result<(&str, u16), String> {
    let (name, rest) = match host.strip_prefix('[') {
        Some(v6) => v6.split_once(']').ok_or("no ] after [")?,
        None => host.split_at(host.find(':').unwrap_or(host.len())),
    };
    let port = match rest.strip_prefix(':') {
        Some(port) => port.parse().map_err(|e| format!("port {port}: {e}"))?,
        None if rest.is_empty() => 80,
        None => return Err(format!("after the name only :PORT may follow, not {rest}")),
    };
    Ok((name, port))
}

/// Starts the local stand-ins for web sites on free ports, and returns their addresses.
async fn start_local_hosts() -> io::Result<Vec<String>> {
    let mut hosts = Vec::new();
    for delay in HOST_DELAYS_MS.map(Duration::from_millis) {
        // Port 0: the OS picks a free port, so this never clashes with anything.
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        hosts.push(listener.local_addr()?.to_string());
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                // A task per connection, each with a deadline: a client that connects and
                // says nothing holds up no one, and not for long.
                tokio::spawn(timeout(WGET_TIMEOUT, answer(stream, delay)));
            }
        });
    }
    let one_after_another: u64 = HOST_DELAYS_MS.iter().sum();
    println!(
        "local hosts answer after {HOST_DELAYS_MS:?} ms: {one_after_another} ms one after another"
    );
    Ok(hosts)
}

/// A slow web site: reads the request head (every path gets the same page), waits, answers.
async fn answer(mut stream: TcpStream, delay: Duration) -> io::Result<()> {
    read_head(&mut stream).await?;
    sleep(delay).await;
    let body = "<h1>Hello from 127.0.0.1</h1>\n";
    let head = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(format!("{head}{body}").as_bytes()).await
}
