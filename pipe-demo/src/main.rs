//! Pipes between two processes: a duplex conversation over two pipes, a payload bigger than
//! the pipe buffer passed without deadlock, and why end-of-file needs every write end closed.
//!
//! Python: `multiprocessing.Pipe()` (duplex), or `Popen(stdin=PIPE, stdout=PIPE)`.
//!
//! Run with: cargo run -p pipe-demo [-- ROUNDS]   (ROUNDS of ping/pong, default 3)
//!
//! Expected output (PIDs and times differ):
//! ```text
//! Parent process 4242 talks to child process 4243 over two pipes.
//! round 1: parent -> child: ping 1 | child -> parent: pong 1 from 4243 (round trip 95µs)
//! round 2: parent -> child: ping 2 | child -> parent: pong 2 from 4243 (round trip 61µs)
//! round 3: parent -> child: ping 3 | child -> parent: pong 3 from 4243 (round trip 58µs)
//! payload: sent 1048576 bytes, got 1048576 bytes back, identical, in 4.1ms
//! parent closed its write end; child -> parent: bye: end-of-file after 4 requests
//! child process 4243 exited: exit status: 0
//! bytes passed: 1048610 parent -> child, 1048661 child -> parent
//! one pipe, two write ends: after dropping one, the reader is still waiting
//! dropped the last write end: the reader got end-of-file after 10 bytes
//! ```
use std::error::Error;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::process::Command;
use std::sync::mpsc;
use std::time::{Duration, Instant};
use std::{env, thread};

/// 1 MiB: 16 times the 64 KiB a Linux pipe buffers by default.
const PAYLOAD: usize = 1 << 20;
const USAGE: &str = "usage: pipe-demo [ROUNDS]   (ROUNDS: 0 to 1000 ping/pong rounds, default 3)";

fn main() {
    let args: Vec<String> = env::args().skip(1).collect();
    let result = match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["-h" | "--help"] => {
            println!("{USAGE}");
            Ok(())
        }
        ["child"] => child().map_err(|e| format!("child: {e}").into()),
        [] => parent(3),
        [n] => match n.parse::<u32>() {
            Ok(rounds) if rounds <= 1000 => parent(rounds),
            _ => Err(format!("bad ROUNDS {n:?}: expected a whole number from 0 to 1000").into()),
        },
        _ => Err(format!("unexpected arguments {:?} (try --help)", args.join(" ")).into()),
    };
    if let Err(e) = result {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

/// The child: requests arrive on stdin, replies leave on stdout, one line each.
fn child() -> io::Result<()> {
    let (mut requests, mut replies) = (io::stdin().lock(), io::stdout().lock());
    let (mut line, mut count) = (String::new(), 0);
    // read_line returns 0 only at end-of-file: once every write end of the pipe is closed.
    while requests.read_line(&mut line)? > 0 {
        count += 1;
        match line.trim_end().split_once(' ') {
            Some(("ping", n)) => writeln!(replies, "pong {n} from {}", std::process::id())?,
            Some(("echo", len)) => {
                let len = len
                    .parse()
                    .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
                // Echo while reading, like `cat`: a few KiB at a time, never the whole payload.
                if io::copy(&mut (&mut requests).take(len), &mut replies)? != len {
                    return Err(io::ErrorKind::UnexpectedEof.into());
                }
            }
            _ => writeln!(replies, "unknown request {line:?}")?,
        }
        replies.flush()?; // the parent is waiting for this reply: don't leave it in a buffer
        line.clear();
    }
    writeln!(replies, "bye: end-of-file after {count} requests")
}

fn parent(rounds: u32) -> Result<(), Box<dyn Error>> {
    let exe = env::current_exe().map_err(|e| format!("finding this program: {e}"))?;
    let (request_out, requests) = io::pipe()?; // parent -> child
    let (replies_in, reply_out) = io::pipe()?; // child -> parent
    let mut child = Command::new(exe)
        .arg("child")
        .stdin(request_out)
        .stdout(reply_out)
        .spawn()
        .map_err(|e| format!("starting the child: {e}"))?;
    // The Command above held our copy of the reply pipe's write end and dropped it at the end
    // of that statement. Had we kept it, our reads below would never see end-of-file.
    println!(
        "Parent process {} talks to child process {} over two pipes.",
        std::process::id(),
        child.id()
    );
    // `talk` owns our two ends and closes them when it returns, success or not, so the child
    // then sees end-of-file (or a broken pipe) and exits: this wait cannot hang.
    let talked = talk(requests, BufReader::new(replies_in), rounds);
    let status = child.wait()?;
    let (sent, got) = talked?;
    println!("child process {} exited: {status}", child.id());
    println!("bytes passed: {sent} parent -> child, {got} child -> parent");
    eof_needs_every_write_end()
}

/// The conversation; returns the bytes sent and received.
fn talk(
    mut requests: io::PipeWriter,
    mut replies: BufReader<io::PipeReader>,
    rounds: u32,
) -> Result<(usize, usize), Box<dyn Error>> {
    let (mut sent, mut got) = (0, 0);
    for i in 1..=rounds {
        let (start, request, mut reply) = (Instant::now(), format!("ping {i}\n"), String::new());
        requests.write_all(request.as_bytes())?; // a PipeWriter has no buffer: it goes now
        match replies.read_line(&mut reply)? {
            0 => return Err("the child closed its end without replying".into()),
            n => got += n,
        }
        sent += request.len();
        let (request, reply) = (request.trim_end(), reply.trim_end());
        println!(
            "round {i}: parent -> child: {request} | child -> parent: {reply} (round trip {:?})",
            start.elapsed()
        );
    }

    // The naive order, write all 1 MiB and only then read the echo, deadlocks: the child
    // echoes as it reads, so once the reply pipe's buffer is full the child blocks writing
    // to us and stops reading, the request pipe fills, and we block writing to it. Each
    // waits for the other for ever. So a second thread writes while this one reads.
    let payload: Vec<u8> = (0..PAYLOAD).map(|i| (i % 251) as u8).collect();
    let mut echo = vec![0; PAYLOAD];
    let start = Instant::now();
    let header = format!("echo {PAYLOAD}\n");
    thread::scope(|s| {
        let to_child = &mut requests;
        let writer = s.spawn(|| {
            to_child
                .write_all(header.as_bytes())
                .and_then(|()| to_child.write_all(&payload))
        });
        let read = replies.read_exact(&mut echo); // fails, rather than hangs, if the child dies
        writer
            .join()
            .expect("the writer thread only writes")
            .and(read)
    })
    .map_err(|e| format!("passing the payload: {e}"))?;
    if echo != payload {
        return Err("the payload came back changed".into());
    }
    sent += header.len() + PAYLOAD;
    got += PAYLOAD;
    println!(
        "payload: sent {PAYLOAD} bytes, got {} bytes back, identical, in {:?}",
        echo.len(),
        start.elapsed()
    );

    // End-of-file is how a reader learns "no more data": it comes once every write end is
    // closed. Ours is the only one left (std opens pipes close-on-exec, so the child did not
    // inherit a copy; a raw fork would have, and the child would wait on itself for ever).
    drop(requests);
    let mut bye = String::new();
    got += replies.read_to_string(&mut bye)?; // ends when the child has exited
    println!(
        "parent closed its write end; child -> parent: {}",
        bye.trim_end()
    );
    Ok((sent, got))
}

/// The same rule inside one process: a clone of the write end keeps the pipe open.
fn eof_needs_every_write_end() -> Result<(), Box<dyn Error>> {
    let (mut pipe_in, first) = io::pipe()?;
    let mut second = first.try_clone()?;
    let (done_tx, done_rx) = mpsc::channel();
    let reader = thread::spawn(move || {
        let mut all = Vec::new();
        let _ = done_tx.send(pipe_in.read_to_end(&mut all)); // returns at end-of-file only
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
    reader.join().expect("the reader thread only reads");
    println!("dropped the last write end: the reader got end-of-file after {n} bytes");
    Ok(())
}
