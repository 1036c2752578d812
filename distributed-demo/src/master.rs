//! The master: a task queue and a result queue served over TCP, one thread per
//! worker connection. A task stays with the connection that took it until its
//! result comes back; if the connection drops first, the task goes back to the
//! queue for another worker.

use std::collections::{HashMap, VecDeque};
use std::error::Error;
use std::io::{self, ErrorKind};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, Instant};

use crate::protocol::{self, Msg};

/// How often the accept loop looks at the `done` flag.
const POLL: Duration = Duration::from_millis(20);
/// A worker silent this long (mid-handshake, or holding a task) is taken for
/// dead: its connection is closed and its task goes back to the queue.
const IO_TIMEOUT: Duration = Duration::from_secs(30);
/// At the end, how long connected workers get to hear "no more work" before
/// their connections are closed.
const GRACE: Duration = Duration::from_secs(2);

#[derive(Clone, Copy)]
struct Task {
    id: u32,
    n: u32,
}

/// One `Mutex` for everything the connection threads share, and a `Condvar`
/// to wake those waiting for a task (a task is queued, or the work is done).
struct Shared {
    state: Mutex<State>,
    changed: Condvar,
    key: Vec<u8>,
}

struct State {
    queue: VecDeque<Task>,
    done: bool,
    /// A handle on every open connection, to close the stragglers at the end.
    conns: HashMap<u64, TcpStream>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .expect("no thread panics while holding the lock")
    }

    /// Blocks until there is a task to hand out (`Some`) or the work is done (`None`).
    fn next_task(&self) -> Option<Task> {
        let state = self.lock();
        let wait = self
            .changed
            .wait_while(state, |s| s.queue.is_empty() && !s.done);
        let mut state = wait.expect("no thread panics while holding the lock");
        if state.done {
            None
        } else {
            state.queue.pop_front()
        }
    }
}

/// Puts `tasks` random numbers in the queue, serves workers on `listener`, and
/// prints each result; gives up after `timeout`.
pub fn run(
    listener: TcpListener,
    key: Vec<u8>,
    tasks: u32,
    timeout: Duration,
) -> Result<(), Box<dyn Error>> {
    let mut queue = VecDeque::new();
    for id in 0..tasks {
        let n = rand::random_range(0..10_000);
        println!("Put task {n}...");
        queue.push_back(Task { id, n });
    }
    let state = Mutex::new(State {
        queue,
        done: false,
        conns: HashMap::new(),
    });
    let shared = Arc::new(Shared {
        state,
        changed: Condvar::new(),
        key,
    });
    let (results_tx, results) = mpsc::channel();
    let acceptor = thread::spawn({
        let shared = Arc::clone(&shared);
        move || accept_loop(&listener, &shared, &results_tx)
    });

    println!("Try get results...");
    let deadline = Instant::now() + timeout;
    let mut received = 0;
    while received < tasks {
        // A result only ever comes from the connection holding its task, so
        // each task is counted once, even one that was handed out again.
        let left = deadline.saturating_duration_since(Instant::now());
        let Ok((n, square)) = results.recv_timeout(left) else {
            break;
        };
        println!("Result: {n} * {n} = {square}");
        received += 1;
    }

    // Stop: wake every connection waiting for a task, then let the acceptor
    // close up and join the connection threads.
    shared.lock().done = true;
    shared.changed.notify_all();
    acceptor.join().map_err(|_| "the accept thread panicked")?;
    if received < tasks {
        let secs = timeout.as_secs();
        return Err(
            format!("waiting for results: only {received} of {tasks} after {secs} s").into(),
        );
    }
    println!("master exit.");
    Ok(())
}

fn accept_loop(listener: &TcpListener, shared: &Arc<Shared>, results: &Sender<(u32, u64)>) {
    // A non-blocking listener, polled, so that this loop notices `done`.
    if let Err(e) = listener.set_nonblocking(true) {
        eprintln!("master: cannot poll the listener: {e}");
        return;
    }
    let (mut handlers, mut next_id) = (Vec::new(), 0_u64);
    while !shared.lock().done {
        handlers.retain(|h: &thread::JoinHandle<()>| !h.is_finished());
        let (stream, peer) = match listener.accept() {
            Ok(conn) => conn,
            Err(e) if e.kind() == ErrorKind::WouldBlock => {
                thread::sleep(POLL);
                continue;
            }
            Err(e) => {
                eprintln!("master: accept failed: {e}");
                thread::sleep(POLL);
                continue;
            }
        };
        next_id += 1;
        match stream.try_clone() {
            Ok(handle) => shared.lock().conns.insert(next_id, handle),
            Err(e) => {
                eprintln!("master: connection from {peer} dropped: {e}");
                continue;
            }
        };
        let (shared, results, id) = (Arc::clone(shared), results.clone(), next_id);
        handlers.push(thread::spawn(move || {
            serve(stream, peer, id, &shared, &results)
        }));
    }
    let grace_end = Instant::now() + GRACE;
    while handlers.iter().any(|h| !h.is_finished()) && Instant::now() < grace_end {
        thread::sleep(POLL);
    }
    // Shutting a socket down wakes a thread blocked reading it: then all join.
    for stream in shared.lock().conns.values() {
        let _ = stream.shutdown(Shutdown::Both);
    }
    for handler in handlers {
        let _ = handler.join(); // serve() logs its own errors; it does not panic
    }
}

/// One connection, start to end. Whatever ends it, a task it held is re-queued.
fn serve(
    mut stream: TcpStream,
    peer: SocketAddr,
    id: u64,
    shared: &Shared,
    results: &Sender<(u32, u64)>,
) {
    let mut holding = None;
    let outcome = converse(&mut stream, shared, results, &mut holding);
    let mut state = shared.lock();
    state.conns.remove(&id);
    if let Some(task) = holding {
        eprintln!(
            "master: lost worker {peer} on task {}; it goes back to the queue",
            task.n
        );
        state.queue.push_front(task);
        shared.changed.notify_one();
    }
    match outcome {
        Err(e) if e.kind() == ErrorKind::PermissionDenied => {
            eprintln!("master: connection from {peer} refused: {e}");
        }
        Err(e) => eprintln!("master: connection from {peer} closed: {e}"),
        Ok(()) => {}
    }
}

fn converse(
    stream: &mut TcpStream,
    shared: &Shared,
    results: &Sender<(u32, u64)>,
    holding: &mut Option<Task>,
) -> io::Result<()> {
    // Sockets accepted from a non-blocking listener are non-blocking on some
    // systems (BSD, macOS): make this one blocking, with a time limit.
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(IO_TIMEOUT))?;
    stream.set_nodelay(true)?; // small request/reply messages: send each at once
    protocol::master_handshake(stream, &shared.key)?;
    loop {
        match protocol::recv(stream)? {
            Msg::GetTask => match shared.next_task() {
                Some(task) => {
                    *holding = Some(task); // before sending: if that fails, it is re-queued
                    protocol::send(
                        stream,
                        &Msg::Task {
                            id: task.id,
                            n: task.n,
                        },
                    )?;
                }
                None => return protocol::send(stream, &Msg::NoMoreWork),
            },
            Msg::Result { id, n, square } if holding.is_some_and(|t| t.id == id && t.n == n) => {
                *holding = None;
                let _ = results.send((n, square)); // fails only once the master gave up
            }
            other => {
                let why = format!("unexpected message {other:?}");
                return Err(io::Error::new(ErrorKind::InvalidData, why));
            }
        }
    }
}
