//! A queue between two processes: a writer process puts A, B and C, a reader process gets
//! them; then the same shape with threads, two producers and two consumers on one channel.
//!
//! Python: `multiprocessing.Queue` shared by `Process(target=write)` and
//! `Process(target=read)`, then `pw.join()` and `pr.terminate()`.
//!
//! Run with: cargo run -p queue-demo
//!
//! Expected output (PIDs and times differ; the order of lines may vary):
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
//!
//! Threads: 2 producers, 2 consumers, one crossbeam channel
//! [producer-1] Put A1 to channel...
//! [consumer-1] Get A1 from channel.
//! ...
//! threads: 6 put, 6 got, and the channel closed by itself
//! ```
//! The writer's lines come from its stderr: its stdout *is* the queue.
use std::error::Error;
use std::io::{self, BufRead, BufReader, ErrorKind, Read, Write};
use std::process::{Command, Stdio};
use std::time::Duration;
use std::{env, thread};

const ITEMS: [&str; 3] = ["A", "B", "C"];
/// The longest message `get` accepts, so a corrupt length cannot make it allocate gigabytes.
const MAX_MESSAGE: usize = 1 << 20;
const USAGE: &str = "usage: queue-demo [-h|--help]\n\
    (queue-demo writer / queue-demo reader are the two roles the demo starts itself in)";

fn main() {
    if let Err(e) = run() {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = env::args().skip(1).collect();
    match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        [] => {}
        ["-h" | "--help"] => {
            println!("{USAGE}");
            return Ok(());
        }
        ["writer"] => return writer().map_err(|e| format!("writer: {e}").into()),
        ["reader"] => return reader().map_err(|e| format!("reader: {e}").into()),
        _ => return Err(format!("unexpected argument {:?} (try --help)", args.join(" ")).into()),
    }
    processes()?;
    threads()
}

/// A pipe is a stream of bytes: it keeps no message boundaries, so one read may return two
/// puts, or half of one. Each message therefore travels as a frame, its length in 4
/// big-endian bytes and then its bytes, and `get` reads exactly one frame back. (Python's
/// Queue does the same with pickled objects.)
fn put(queue: &mut impl Write, message: &str) -> io::Result<()> {
    let len =
        u32::try_from(message.len()).map_err(|e| io::Error::new(ErrorKind::InvalidInput, e))?;
    queue.write_all(&len.to_be_bytes())?;
    queue.write_all(message.as_bytes())?;
    queue.flush() // send it now, not when some buffer fills up
}

/// Blocks until a whole frame has arrived; `None` once every write end is closed.
fn get(queue: &mut impl Read) -> io::Result<Option<String>> {
    let mut len = [0; 4];
    match queue.read_exact(&mut len) {
        Err(e) if e.kind() == ErrorKind::UnexpectedEof => return Ok(None),
        other => other?,
    }
    let len = u32::from_be_bytes(len) as usize;
    if len > MAX_MESSAGE {
        return Err(io::Error::new(ErrorKind::InvalidData, "message too long"));
    }
    let mut message = vec![0; len];
    queue.read_exact(&mut message)?;
    String::from_utf8(message)
        .map(Some)
        .map_err(|e| io::Error::new(ErrorKind::InvalidData, e))
}

fn writer() -> io::Result<()> {
    // Our stdout is the queue's write end, so, like any Unix filter, we talk on stderr.
    eprintln!("Process to write: {}", std::process::id());
    let mut queue = io::stdout().lock();
    for item in ITEMS {
        eprintln!("Put {item} to queue...");
        put(&mut queue, item)?;
        thread::sleep(Duration::from_millis(rand::random_range(50..300)));
    }
    Ok(())
}

fn reader() -> io::Result<()> {
    println!("Process to read: {}", std::process::id());
    let mut queue = io::stdin().lock();
    // `while True: value = q.get(True)`: as in the original, only terminate() stops us.
    // (`None` would mean every write end is gone, the parent's too: it died, so we stop.)
    while let Some(item) = get(&mut queue)? {
        println!("Get {item} from queue.");
    }
    Ok(())
}

fn processes() -> Result<(), Box<dyn Error>> {
    let exe = env::current_exe().map_err(|e| format!("finding this program: {e}"))?;
    // The queue is one OS pipe. Only the three standard handles pass portably to a child,
    // so the writer gets the write end as its stdout and the reader the read end as stdin.
    let (queue_out, queue_in) = io::pipe().map_err(|e| format!("creating the pipe: {e}"))?;
    // We keep a write end too, as the Python parent keeps `q`: the reader never sees
    // end-of-file, so it waits for ever and has to be terminated, as in the original.
    let keep_open = queue_in.try_clone()?;
    let spawn = |role: &str, cmd: &mut Command| {
        cmd.arg(role)
            .spawn()
            .map_err(|e| format!("starting the {role}: {e}"))
    };
    let mut writer = spawn("writer", Command::new(&exe).stdout(queue_in))?;
    let mut reader = spawn(
        "reader",
        Command::new(&exe).stdin(queue_out).stdout(Stdio::piped()),
    )?;

    // The reader's stdout comes to us, and we print it. Each "Get" line says it has taken an
    // item, so we terminate it only once the queue is drained: the original's terminate()
    // could kill it before it gets C, were the writer's last sleep too short.
    let reader_out = BufReader::new(reader.stdout.take().expect("stdout was piped"));
    let relay = thread::spawn(move || -> io::Result<usize> {
        let mut got = 0;
        for line in reader_out.lines() {
            let line = line?;
            println!("{line}");
            got += usize::from(line.starts_with("Get "));
            if got == ITEMS.len() {
                break;
            }
        }
        Ok(got) // fewer than ITEMS.len() only if the reader died
    });

    let writer_status = writer.wait()?; // pw.join()
    println!("Writer process {} finished: {writer_status}", writer.id());
    if !writer_status.success() {
        reader.kill()?; // nothing more will come: stop the reader now, which ends the relay
    }
    let got = relay.join().map_err(|_| "the relay thread panicked")??;
    // pr.terminate(): SIGKILL on Unix (Python sends SIGTERM), TerminateProcess on Windows
    // (Ok if it is already dead). Then wait() reaps it, so no zombie is left behind.
    reader.kill()?;
    let status = reader.wait()?;
    drop(keep_open);
    println!("Reader process {} terminated: {status}", reader.id());
    println!("processes: {} put, {got} got", ITEMS.len());
    match (writer_status.success(), got == ITEMS.len()) {
        (true, true) => Ok(()),
        (false, _) => Err(format!("the writer process failed: {writer_status}").into()),
        (true, false) => Err(format!("the reader process got only {got} items").into()),
    }
}

/// Threads share memory, so what changes: the channel carries Rust values as they are (no
/// bytes, no framing), senders and receivers are cloned freely, and the channel closes by
/// itself once every sender is dropped, which ends the consumers' loops: no terminate()
/// (a thread cannot be killed anyway), and nothing put is lost.
fn threads() -> Result<(), Box<dyn Error>> {
    println!("\nThreads: 2 producers, 2 consumers, one crossbeam channel");
    let (tx, rx) = crossbeam::channel::unbounded::<String>();
    let got: usize = thread::scope(|s| {
        for p in 1..=2 {
            let tx = tx.clone();
            s.spawn(move || {
                for item in ITEMS.map(|i| format!("{i}{p}")) {
                    println!("[producer-{p}] Put {item} to channel...");
                    tx.send(item).expect("receivers live until the scope ends");
                    thread::sleep(Duration::from_millis(rand::random_range(10..100)));
                }
            });
        }
        drop(tx); // else our own sender would keep the channel open for ever
        let consumers: Vec<_> = (1..=2)
            .map(|c| {
                let rx = rx.clone();
                s.spawn(move || {
                    rx.iter()
                        .inspect(|item| println!("[consumer-{c}] Get {item} from channel."))
                        .count()
                })
            })
            .collect();
        consumers
            .into_iter()
            .map(|h| h.join().expect("a consumer only prints"))
            .sum()
    });
    println!(
        "threads: {} put, {got} got, and the channel closed by itself",
        2 * ITEMS.len()
    );
    Ok(())
}
