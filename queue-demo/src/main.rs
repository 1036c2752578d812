//! A queue between two processes: a writer process puts A, B and C, a reader process gets
//! them; the parent waits for the writer, then terminates the reader and reaps it.
//!
//! Python: `q = multiprocessing.Queue()` shared by `Process(target=write)` and
//! `Process(target=read)`, then `pw.join()` and `pr.terminate()` (twin: `queue_demo.py`).
//! Rust has no process Queue, so here it is built from its parts: one OS pipe, and a frame
//! (a length, then the bytes) for each message. The writer and the reader are this same
//! program, started again with the role as its argument.
//!
//! Run with: cargo run -p queue-demo
//!
//! Expected output (PIDs differ; the writer's lines go to stderr, because its stdout *is*
//! the queue, so they may interleave with the others differently):
//! ```text
//! Process to write: 50563
//! Put A to queue...
//! Process to read: 50564
//! Get A from queue.
//! Put B to queue...
//! Get B from queue.
//! Put C to queue...
//! Get C from queue.
//! Writer process 50563 finished: exit status: 0
//! Reader process 50564 terminated: signal: 9 (SIGKILL)
//! processes: 3 put, 3 got
//! ```
//! The same queue between threads: `cargo run -p queue-demo --bin queue-threads`.
//!
//! To copy: `cargo add rand@0.10`
use rand::random_range;
use std::error::Error;
use std::io::{self, BufRead, BufReader, ErrorKind, Read, Write};
use std::process::{Command, Stdio};
use std::{env, thread, time::Duration};

const ITEMS: [&str; 3] = ["A", "B", "C"];
/// The longest message `get` accepts, so a corrupt length cannot make it allocate gigabytes.
const MAX_MESSAGE: usize = 1 << 20;

// ANCHOR: idea
fn main() -> Result<(), Box<dyn Error>> {
    // args_os, not args: args panics on an argument that is not UTF-8.
    match env::args_os().nth(1) {
        None => {}
        Some(role) if role == "writer" => return write(),
        Some(role) if role == "reader" => return read(),
        Some(other) => {
            return Err(format!("unexpected argument '{}': none is taken", other.display()).into());
        }
    }
    // Only the standard handles pass to a child on every OS, so the pipe's writer end
    // becomes the writer process's stdout, and its reader end the reader process's stdin.
    let (reader, writer) = io::pipe()?;
    // The parent keeps a writer end, as the Python parent keeps `q`: so the reader never
    // sees end-of-file, waits for ever, and has to be terminated, as in the original.
    let _parent_writer = writer.try_clone()?;
    let exe = env::current_exe()?;
    let mut pw = Command::new(&exe).arg("writer").stdout(writer).spawn()?;
    let mut pr = Command::new(&exe)
        .arg("reader")
        .stdin(reader)
        .stdout(Stdio::piped())
        .spawn()?;

    // We print the reader's lines for it, and count its "Get" lines: terminating it only
    // once it got every item is what the original leaves to luck (the writer's last sleep).
    let reader_out = BufReader::new(pr.stdout.take().expect("stdout was piped"));
    let relay = thread::spawn(move || {
        let lines = reader_out.lines().map_while(Result::ok);
        let printed = lines.inspect(|line| println!("{line}"));
        let gets = printed.filter(|line| line.starts_with("Get "));
        gets.take(ITEMS.len()).count() // fewer only if the reader died
    });

    let written = pw.wait()?; // pw.join()
    println!("Writer process {} finished: {written}", pw.id());
    if !written.success() {
        pr.kill()?; // nothing more will come, and the reader would wait for ever
        pr.wait()?;
        return Err("the writer process failed".into());
    }
    let got = relay.join().expect("the relay thread only prints");
    // pr.terminate(): SIGKILL on Unix (Python sends SIGTERM), TerminateProcess on Windows.
    // Then wait() reaps it, so no zombie is left behind.
    pr.kill()?;
    println!("Reader process {} terminated: {}", pr.id(), pr.wait()?);
    println!("processes: {} put, {got} got", ITEMS.len());
    if got != ITEMS.len() {
        return Err("the reader process died before it got every item".into());
    }
    Ok(())
}
// ANCHOR_END: idea

fn write() -> Result<(), Box<dyn Error>> {
    // Our stdout is the queue, so, like any Unix filter, we talk on stderr.
    eprintln!("Process to write: {}", std::process::id());
    let mut queue = io::stdout().lock();
    for item in ITEMS {
        eprintln!("Put {item} to queue...");
        put(&mut queue, item)?;
        thread::sleep(Duration::from_millis(random_range(50..300)));
    }
    Ok(())
}

fn read() -> Result<(), Box<dyn Error>> {
    println!("Process to read: {}", std::process::id());
    let mut queue = io::stdin().lock();
    // `while True: value = q.get(True)`. End-of-file would mean every writer end is closed,
    // the parent's too: the parent died, so we stop rather than linger.
    while let Some(item) = get(&mut queue)? {
        println!("Get {item} from queue.");
    }
    Ok(())
}

/// A pipe is a stream of bytes: it keeps no message boundaries, so one read may return two
/// puts, or half of one. Each message therefore travels as a frame, its length in 4
/// big-endian bytes and then its bytes, and `get` reads exactly one frame back.
fn put(queue: &mut impl Write, message: &str) -> io::Result<()> {
    let len = u32::try_from(message.len()).expect("our messages are one letter");
    queue.write_all(&len.to_be_bytes())?;
    queue.write_all(message.as_bytes())?;
    queue.flush() // send it now, not when some buffer fills up
}

/// Blocks until a whole frame has arrived; `None` once every writer end is closed.
fn get(queue: &mut impl Read) -> Result<Option<String>, Box<dyn Error>> {
    let mut len = [0; 4];
    match queue.read_exact(&mut len) {
        Err(e) if e.kind() == ErrorKind::UnexpectedEof => return Ok(None),
        other => other?,
    }
    let len = u32::from_be_bytes(len) as usize;
    if len > MAX_MESSAGE {
        return Err("message too long".into());
    }
    let mut message = vec![0; len];
    queue.read_exact(&mut message)?;
    Ok(Some(String::from_utf8(message)?))
}
