//! The worker: connect, prove the key, then take tasks until there are none.

use std::error::Error;
use std::io::ErrorKind;
use std::net::TcpStream;
use std::thread;
use std::time::Duration;

use crate::protocol::{self, Msg};

pub fn run(addr: &str, key: &[u8], delay: Duration) -> Result<(), Box<dyn Error>> {
    println!("Connect to server {addr}...");
    let mut stream = TcpStream::connect(addr).map_err(|e| format!("connecting to {addr}: {e}"))?;
    stream.set_nodelay(true)?;
    // No read timeout: the master answers GetTask only once it has a task or
    // the work is over, which may take a while. If the master dies, its OS
    // closes the connection and `recv` fails. (Across a real network, where a
    // machine can vanish without a word, add TCP keepalive or a timeout.)
    protocol::worker_handshake(&mut stream, key).map_err(|e| match e.kind() {
        ErrorKind::PermissionDenied => e.to_string(), // "authentication failed: ..."
        _ => format!("handshake with {addr}: {e}"),
    })?;
    let talk = |e| format!("talking to the master at {addr}: {e}");
    loop {
        protocol::send(&mut stream, &Msg::GetTask).map_err(talk)?;
        match protocol::recv(&mut stream).map_err(talk)? {
            Msg::Task { id, n } => {
                println!("run task {n} * {n}...");
                thread::sleep(delay); // the tutorial's worker sleeps too: the work "takes time"
                let square = u64::from(n) * u64::from(n);
                let result = Msg::Result { id, n, square };
                protocol::send(&mut stream, &result).map_err(talk)?;
            }
            Msg::NoMoreWork => break,
            other => return Err(format!("unexpected message from the master: {other:?}").into()),
        }
    }
    println!("worker exit.");
    Ok(())
}
