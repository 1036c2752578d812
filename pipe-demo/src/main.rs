//! Pipes between two processes: a duplex conversation over two pipes, a payload bigger than
//! the pipe buffer passed without deadlock, and why end-of-file needs every write end closed.
//!
//! Python: two `os.pipe()`s as a child process's stdin and stdout, or `multiprocessing.Pipe()`
//! (duplex) (twin: `pipe_demo.py`).
//!
//! Run with: cargo run -p pipe-demo
//!
//! Expected output (PIDs and times differ):
//! ```text
//! Parent process 4242 talks to child process 4243 over two pipes.
//! round 1: parent -> child: ping 1 | child -> parent: pong 1 from 4243 (round trip 95 µs)
//! round 2: parent -> child: ping 2 | child -> parent: pong 2 from 4243 (round trip 61 µs)
//! round 3: parent -> child: ping 3 | child -> parent: pong 3 from 4243 (round trip 58 µs)
//! payload: sent 1048576 bytes, got 1048576 bytes back, identical, in 4105 µs
//! parent closed its write end; child -> parent: bye: end-of-file after 4 requests
//! child process 4243 exited: exit status: 0
//! bytes passed: 1048610 parent -> child, 1048661 child -> parent
//! one pipe, two write ends: after dropping one, the reader is still waiting
//! dropped the last write end: the reader got end-of-file after 10 bytes
//! ```
//!
//! To copy: no dependencies
use std::error::Error;
use std::io::{self, BufRead, BufReader, ErrorKind, PipeReader, PipeWriter, Read, Write};
use std::process::{self, Command};
use std::sync::mpsc;
use std::time::{Duration, Instant};
use std::{env, thread};

const ROUNDS: u32 = 3;
/// 1 MiB: 16 times the 64 KiB a Linux pipe buffers by default.
const PAYLOAD: usize = 1 << 20;

// ANCHOR: idea
fn main() -> Result<(), Box<dyn Error>> {
    // args_os, not args: args panics on an argument that is not UTF-8.
    match env::args_os().nth(1) {
        None => {}
        Some(role) if role == "child" => return Ok(child()?), // the role the parent starts us in
        Some(other) => {
            return Err(format!("unexpected argument '{}': none is taken", other.display()).into());
        }
    }
    let (child_reader, writer) = io::pipe()?; // parent -> child
    let (reader, child_writer) = io::pipe()?; // child -> parent
    let mut child = Command::new(env::current_exe()?)
        .arg("child")
        .stdin(child_reader)
        .stdout(child_writer)
        .spawn()?;
    // The Command above held our copy of the child's writer end, and dropped it at the end of
    // that statement. Had we kept it, our reads below would never see end-of-file.
    println!(
        "Parent process {} talks to child process {} over two pipes.",
        process::id(),
        child.id()
    );
    // `talk` owns our two ends and closes them when it returns, success or not, so the child
    // then sees end-of-file (or a broken pipe) and exits: this wait cannot hang.
    let talked = talk(writer, BufReader::new(reader));
    let status = child.wait()?;
    let (sent, got) = talked?;
    println!("child process {} exited: {status}", child.id());
    println!("bytes passed: {sent} parent -> child, {got} child -> parent");
    eof_needs_every_write_end()
}

/// The conversation; returns the bytes sent and received.
fn talk(
    mut writer: PipeWriter,
    mut reader: BufReader<PipeReader>,
) -> Result<(usize, usize), Box<dyn Error>> {
    let (mut sent, mut got) = (0, 0);
    for i in 1..=ROUNDS {
        let (start, request, mut reply) = (Instant::now(), format!("ping {i}\n"), String::new());
        writer.write_all(request.as_bytes())?; // a PipeWriter has no buffer: it goes now
        sent += request.len();
        got += match reader.read_line(&mut reply)? {
            0 => return Err("the child closed its end without replying".into()),
            n => n,
        };
        let (request, reply) = (request.trim_end(), reply.trim_end());
        let took = start.elapsed().as_micros();
        println!(
            "round {i}: parent -> child: {request} | child -> parent: {reply} (round trip {took} µs)"
        );
    }

    // The naive order, write all 1 MiB and only then read the echo, deadlocks: the child
    // echoes as it reads, so once the reply pipe's buffer is full the child blocks writing
    // to us and stops reading, the request pipe fills, and we block writing to it. Each
    // waits for the other for ever. So a second thread writes while this one reads.
    // 0, 1, ..., 250, 0, 1, ...: the period 251 is prime, so a block the pipe had moved by
    // some power of two would not match.
    let payload: Vec<u8> = (0..=250).cycle().take(PAYLOAD).collect();
    let header = format!("echo {PAYLOAD}\n");
    let mut echo = vec![0; PAYLOAD];
    let start = Instant::now();
    thread::scope(|s| {
        let sending = s.spawn(|| {
            writer.write_all(header.as_bytes())?;
            writer.write_all(&payload)
        });
        let read = reader.read_exact(&mut echo); // fails, rather than hangs, if the child dies
        sending
            .join()
            .expect("the sending thread only writes")
            .and(read)
    })?;
    if echo != payload {
        return Err("the payload came back changed".into());
    }
    sent += header.len() + PAYLOAD;
    got += PAYLOAD;
    let took = start.elapsed().as_micros();
    println!("payload: sent {PAYLOAD} bytes, got {PAYLOAD} bytes back, identical, in {took} µs");

    // End-of-file is how a reader learns "no more data": it comes once every write end is
    // closed. Ours is the only one left (std opens pipes close-on-exec, so the child did not
    // inherit a copy; a raw fork would have, and the child would wait on itself for ever).
    drop(writer);
    let mut bye = String::new();
    got += reader.read_to_string(&mut bye)?; // ends when the child has exited
    println!(
        "parent closed its write end; child -> parent: {}",
        bye.trim_end()
    );
    Ok((sent, got))
}
// ANCHOR_END: idea

/// The child: requests arrive on stdin, replies leave on stdout, one line each.
fn child() -> io::Result<()> {
    let (mut requests, mut replies) = (io::stdin().lock(), io::stdout().lock());
    let (mut line, mut count) = (String::new(), 0);
    // read_line returns 0 only at end-of-file: once every write end of the pipe is closed.
    while requests.read_line(&mut line)? > 0 {
        count += 1;
        match line.trim_end().split_once(' ') {
            Some(("ping", n)) => writeln!(replies, "pong {n} from {}", process::id())?,
            Some(("echo", len)) => {
                let len = len
                    .parse()
                    .map_err(|e| io::Error::new(ErrorKind::InvalidData, e))?;
                // Echo while reading, like `cat`: a few KiB at a time, never the whole payload.
                if io::copy(&mut (&mut requests).take(len), &mut replies)? != len {
                    return Err(ErrorKind::UnexpectedEof.into());
                }
            }
            _ => writeln!(replies, "unknown request {line:?}")?,
        }
        replies.flush()?; // the parent is waiting for this reply: don't leave it in a buffer
        line.clear();
    }
    writeln!(replies, "bye: end-of-file after {count} requests")
}

/// The same rule inside one process: a clone of the write end keeps the pipe open.
fn eof_needs_every_write_end() -> Result<(), Box<dyn Error>> {
    let (mut reader, first) = io::pipe()?;
    let mut second = first.try_clone()?;
    let (done_tx, done_rx) = mpsc::channel();
    let reading = thread::spawn(move || {
        let mut all = Vec::new();
        let _ = done_tx.send(reader.read_to_end(&mut all)); // returns at end-of-file only
    });
    drop(first);
    // Not a race: with `second` open, end-of-file cannot come, however long we wait.
    if done_rx.recv_timeout(Duration::from_millis(200)).is_ok() {
        return Err("end-of-file came with a write end still open".into());
    }
    println!("one pipe, two write ends: after dropping one, the reader is still waiting");
    second.write_all(b"last words")?;
    drop(second);
    let n = done_rx.recv()??;
    reading.join().expect("the reading thread only reads");
    println!("dropped the last write end: the reader got end-of-file after {n} bytes");
    Ok(())
}
