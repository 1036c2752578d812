//! The wire protocol: length-prefixed JSON messages, and the HMAC handshake by
//! which master and worker each prove they know the shared key, never sending it.

use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use std::io::{self, ErrorKind, Read, Write};
use std::{net::TcpStream, time::Duration, time::Instant};

pub const MAX_FRAME: usize = 64 * 1024; // a length prefix is a claim, checked before allocating

/// Every message, in both directions; on the wire `{"Task":3411}` or `"GetTask"`.
#[derive(Serialize, Deserialize, Debug)]
pub enum Msg {
    Challenge([u8; 32]), // master -> worker, first: sign this nonce to prove you know the key
    Answer {
        proof: [u8; 32], // worker -> master: the worker's proof,
        nonce: [u8; 32], // a nonce for the master to sign,
        name: String,    // and its name
    },
    Welcome([u8; 32]), // master -> worker: accepted, and the master's own proof
    Refused,           // master -> worker: wrong proof; the master closes the connection
    GetTask,           // worker -> master: answered when there is a task, or none will come
    Task(u32),         // master -> worker: a number n
    NoMoreWork,
    Square(u32, u64), // worker -> master: n and n * n
}

/// Sends one frame: a 4-byte big-endian length, then the JSON body, in one write.
pub fn send(mut stream: &TcpStream, msg: &Msg) -> io::Result<()> {
    let body = serde_json::to_vec(msg)?;
    let len = body.len() as u32; // our messages are a few hundred bytes
    stream.write_all(&[&len.to_be_bytes()[..], &body].concat())
}

/// Receives one frame, whole within `limit`; oversized, invalid, or late: an error.
pub fn recv(stream: &TcpStream, limit: Duration) -> io::Result<Msg> {
    let deadline = Instant::now() + limit;
    let mut len = [0; 4];
    read_by(stream, &mut len, deadline)?;
    let len = u32::from_be_bytes(len) as usize;
    if len > MAX_FRAME {
        let why = format!("a frame of {len} bytes is over the {MAX_FRAME}-byte limit");
        return Err(io::Error::other(why));
    }
    let mut body = vec![0; len];
    read_by(stream, &mut body, deadline)?;
    serde_json::from_slice(&body)
        .map_err(|e| io::Error::other(format!("not a valid message ({e})")))
}

/// Fills `buf` by `deadline`. One deadline for the whole message: a peer that sends a
/// byte at a time would stretch a read timeout alone, which restarts with every byte.
fn read_by(mut stream: &TcpStream, buf: &mut [u8], deadline: Instant) -> io::Result<()> {
    let mut filled = 0;
    while filled < buf.len() {
        let left = deadline.saturating_duration_since(Instant::now());
        stream.set_read_timeout(Some(left.max(Duration::from_millis(1))))?; // 0 is refused
        match stream.read(&mut buf[filled..]) {
            Ok(0) => return Err(io::Error::other("connection closed by the peer")),
            Ok(n) => filled += n,
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return Err(io::Error::other("timed out: no whole message in time"));
            }
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// HMAC-SHA256 of a nonce, with each side's own label: a proof bounced back does not pass.
/// (`verify_slice` compares in constant time: a wrong proof's timing tells nothing.)
fn mac(key: &[u8], label: &str, nonce: &[u8; 32]) -> Hmac<Sha256> {
    let mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.chain_update(label).chain_update(nonce)
}

/// The master's half: challenge (CSPRNG nonce), check its proof, prove itself; returns its name.
pub fn admit(stream: &TcpStream, key: &[u8], limit: Duration) -> io::Result<String> {
    let challenge: [u8; 32] = rand::random();
    send(stream, &Msg::Challenge(challenge))?;
    let Msg::Answer { proof, nonce, name } = recv(stream, limit)? else {
        return Err(io::Error::other("expected an Answer"));
    };
    if mac(key, "worker", &challenge).verify_slice(&proof).is_err() {
        let _ = send(stream, &Msg::Refused); // a courtesy: the worker can say why
        return Err(io::Error::other("authentication failed"));
    }
    let proof = mac(key, "master", &nonce).finalize().into_bytes();
    send(stream, &Msg::Welcome(proof.into()))?;
    Ok(name)
}

/// The worker's half: answer the challenge, challenge back, check the master.
pub fn log_in(stream: &TcpStream, key: &[u8], name: &str, limit: Duration) -> io::Result<()> {
    let Msg::Challenge(challenge) = recv(stream, limit)? else {
        return Err(io::Error::other("expected a Challenge"));
    };
    let proof = mac(key, "worker", &challenge).finalize().into_bytes();
    let (proof, nonce, name) = (proof.into(), rand::random(), name.into());
    send(stream, &Msg::Answer { proof, nonce, name })?;
    let failed = |why: &str| io::Error::other(format!("authentication failed: {why}"));
    match recv(stream, limit)? {
        Msg::Welcome(proof) if mac(key, "master", &nonce).verify_slice(&proof).is_ok() => Ok(()),
        Msg::Welcome(_) => Err(failed("the master did not prove it knows the key")),
        Msg::Refused => Err(failed("the master and this worker have different keys")),
        other => Err(failed(&format!("expected a Welcome, got {other:?}"))),
    }
}
