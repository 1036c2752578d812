//! The wire protocol: length-prefixed JSON messages, and the HMAC handshake
//! by which master and worker each prove they know the shared key, without
//! ever sending it.

use std::io::{self, ErrorKind, Read, Write};

use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

/// The largest message either side accepts. A length prefix is only a claim by
/// the peer: check it before allocating, or 4 bytes could demand 4 GiB.
pub const MAX_FRAME: usize = 64 * 1024;

/// Every message, in both directions; on the wire `{"type":"Task","id":0,"n":3411}`.
#[derive(Serialize, Deserialize, Debug)]
#[serde(tag = "type")]
pub enum Msg {
    /// Master -> worker, first: sign this nonce to prove you know the key.
    Challenge {
        nonce: [u8; 32],
    },
    /// Worker -> master: the proof, and a nonce of its own for the master to sign.
    Answer {
        proof: [u8; 32],
        nonce: [u8; 32],
    },
    /// Master -> worker: accepted, and here is the master's own proof.
    Welcome {
        proof: [u8; 32],
    },
    /// Master -> worker: wrong proof; the master closes the connection.
    Refused,
    /// Worker -> master: give me a task (answered when there is one, or none will come).
    GetTask,
    Task {
        id: u32,
        n: u32,
    },
    NoMoreWork,
    Result {
        id: u32,
        n: u32,
        square: u64,
    },
}

/// Sends one frame: a 4-byte big-endian length, then the JSON body.
pub fn send(stream: &mut impl Write, msg: &Msg) -> io::Result<()> {
    let body = serde_json::to_vec(msg)?;
    let len = u32::try_from(body.len()).expect("our messages are a few hundred bytes");
    // One write for prefix and body, so they travel in one TCP segment.
    let mut frame = len.to_be_bytes().to_vec();
    frame.extend_from_slice(&body);
    stream.write_all(&frame)
}

/// Receives one frame; anything oversized or not a valid message is an error.
pub fn recv(stream: &mut impl Read) -> io::Result<Msg> {
    let mut len = [0; 4];
    stream.read_exact(&mut len).map_err(|e| match e.kind() {
        ErrorKind::UnexpectedEof => io::Error::new(e.kind(), "connection closed by the peer"),
        _ => e,
    })?;
    let len = u32::from_be_bytes(len) as usize;
    if len > MAX_FRAME {
        let why = format!("a frame of {len} bytes is over the {MAX_FRAME}-byte limit");
        return Err(io::Error::new(ErrorKind::InvalidData, why));
    }
    let mut body = vec![0; len];
    stream.read_exact(&mut body)?;
    serde_json::from_slice(&body)
        .map_err(|e| io::Error::new(ErrorKind::InvalidData, format!("not a valid message ({e})")))
}

/// Each side signs a label with the nonce, and the labels differ: a proof
/// cannot be bounced back to the side that made it and pass as an answer.
const WORKER_LABEL: &[u8] = b"distributed-demo worker proof";
const MASTER_LABEL: &[u8] = b"distributed-demo master proof";

fn hmac(key: &[u8], label: &[u8], nonce: &[u8; 32]) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(label);
    mac.update(nonce);
    mac
}

fn prove(key: &[u8], label: &[u8], nonce: &[u8; 32]) -> [u8; 32] {
    hmac(key, label, nonce).finalize().into_bytes().into()
}

/// `verify_slice` compares in constant time: how long a wrong proof takes to
/// reject tells an attacker nothing about how many bytes were right.
fn check(key: &[u8], label: &[u8], nonce: &[u8; 32], proof: &[u8; 32]) -> bool {
    hmac(key, label, nonce).verify_slice(proof).is_ok()
}

fn auth_failed(why: &str) -> io::Error {
    io::Error::new(
        ErrorKind::PermissionDenied,
        format!("authentication failed{why}"),
    )
}

fn protocol_error(expected: &str, got: &Msg) -> io::Error {
    io::Error::new(
        ErrorKind::InvalidData,
        format!("expected {expected}, got {got:?}"),
    )
}

/// The master's half: challenge the worker, check its proof, prove itself.
/// Nonces come from `rand::random`, whose generator is a CSPRNG seeded by the OS.
pub fn master_handshake(stream: &mut (impl Read + Write), key: &[u8]) -> io::Result<()> {
    let challenge: [u8; 32] = rand::random();
    send(stream, &Msg::Challenge { nonce: challenge })?;
    let (proof, nonce) = match recv(stream)? {
        Msg::Answer { proof, nonce } => (proof, nonce),
        other => return Err(protocol_error("Answer", &other)),
    };
    if !check(key, WORKER_LABEL, &challenge, &proof) {
        let _ = send(stream, &Msg::Refused); // a courtesy: the worker can say why
        return Err(auth_failed(""));
    }
    let proof = prove(key, MASTER_LABEL, &nonce);
    send(stream, &Msg::Welcome { proof })
}

/// The worker's half: answer the challenge, challenge back, check the master.
pub fn worker_handshake(stream: &mut (impl Read + Write), key: &[u8]) -> io::Result<()> {
    let challenge = match recv(stream)? {
        Msg::Challenge { nonce } => nonce,
        other => return Err(protocol_error("Challenge", &other)),
    };
    let nonce: [u8; 32] = rand::random();
    let proof = prove(key, WORKER_LABEL, &challenge);
    send(stream, &Msg::Answer { proof, nonce })?;
    match recv(stream)? {
        Msg::Welcome { proof } if check(key, MASTER_LABEL, &nonce, &proof) => Ok(()),
        Msg::Welcome { .. } => Err(auth_failed(": the master did not prove it knows the key")),
        Msg::Refused => Err(auth_failed(
            ": the master and this worker have different keys",
        )),
        other => Err(protocol_error("Welcome", &other)),
    }
}
