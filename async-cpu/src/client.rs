//! The demo's client, plain threads outside the server's runtime: a client task on that
//! runtime would stall with the server and measure nothing.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

/// Time for the two /primes to reach the server before the /hello is sent.
const HEAD_START: Duration = Duration::from_millis(100);
const LIMIT: Duration = Duration::from_secs(30);

/// Two `path`s at once, then one /hello: the seconds for the /hello, for everything, and
/// the two answers.
pub fn requests(addr: SocketAddr, path: &str) -> std::io::Result<(f64, f64, [String; 2])> {
    thread::scope(|s| {
        let start = Instant::now();
        let primes = [(); 2].map(|()| s.spawn(|| fetch(addr, path)));
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
