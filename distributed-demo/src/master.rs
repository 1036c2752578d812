//! The master: a task queue served over TCP, one thread per connection, a few
//! connections at a time. A connection may hold several tasks; when it drops
//! before their results come back, every one goes back to the queue.

use crate::protocol::{self, Msg};
use std::collections::VecDeque;
use std::error::Error;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::{io, thread, time::Duration, time::Instant};

/// At most this many connections are served at once, the rest wait in the listen
/// backlog; one silent in its handshake is dropped soon, so idle floods pass.
const MAX_CONNS: usize = 16;
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(1);
/// A worker silent this long while it holds a task is taken for dead.
const IO_TIMEOUT: Duration = Duration::from_secs(30);

/// A task is a number n, each one different; a result is `(n, n * n, the worker's name)`.
type Results = Sender<(u32, u64, String)>;
/// Prints each result as it comes, and gives up after the timeout given.
pub type Collector = Box<dyn FnOnce(Duration) -> Result<(), Box<dyn Error>>>;

/// What the connection threads share: one `Mutex` for all, a `Condvar` for changes.
#[derive(Default)]
struct Shared {
    state: Mutex<State>,
    changed: Condvar,
    key: Vec<u8>,
}

#[derive(Default)]
struct State {
    queue: VecDeque<u32>,
    done: bool,
    served: usize, // connections being served
}

/// Listens on `addr`, queues `tasks` numbers, serves in the background; returns the collector.
pub fn start(addr: &str, key: Vec<u8>, tasks: u32) -> Result<(SocketAddr, Collector), String> {
    let listener = TcpListener::bind(addr).map_err(|e| format!("listening on {addr}: {e}"))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    println!("Listening on {addr}"); // a port 0 became a real one
    let shared = Shared {
        key,
        ..Shared::default()
    };
    for n in rand::seq::index::sample(&mut rand::rng(), 10_000, tasks as usize) {
        println!("Put task {n}...");
        shared.lock().queue.push_back(n as u32);
    }
    let ((results_tx, results), shared) = (mpsc::channel(), Arc::new(shared));
    let server = Arc::clone(&shared);
    thread::spawn(move || accept_loop(&listener, &server, &results_tx)); // serves till exit
    println!("Try get results...");
    let collect = move |timeout: Duration| {
        let (deadline, mut received) = (Instant::now() + timeout, 0);
        // Only the connection holding a task sends its result: each one counts once.
        while received < tasks {
            let left = deadline.saturating_duration_since(Instant::now());
            let Ok((n, square, by)) = results.recv_timeout(left) else {
                break;
            };
            println!("Result: {n} * {n} = {square} (from {by})");
            received += 1;
        }
        // No more tasks: wait until every connection has ended (a silent one times out).
        shared.lock().done = true;
        shared.lock().queue.clear();
        shared.changed.notify_all();
        drop(shared.when(|s| s.served == 0));
        if received < tasks {
            return Err(format!("only {received} of {tasks} results in {timeout:?}").into());
        }
        println!("master exit.");
        Ok(())
    };
    Ok((addr, Box::new(collect)))
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().expect("no thread panics holding it")
    }

    /// Waits until `ready` holds for the state, then returns it, locked.
    fn when(&self, ready: impl Fn(&State) -> bool) -> MutexGuard<'_, State> {
        let waited = self.changed.wait_while(self.lock(), |s| !ready(s));
        waited.expect("no thread panics holding it")
    }

    /// Blocks until there is a task to hand out (`Some`) or the work is done (`None`).
    fn next_task(&self) -> Option<u32> {
        let mut state = self.when(|s| !s.queue.is_empty() || s.done);
        state.queue.pop_front()
    }
}

fn accept_loop(listener: &TcpListener, shared: &Arc<Shared>, results: &Results) {
    loop {
        drop(shared.when(|s| s.served < MAX_CONNS && !s.done)); // a free place, then accept
        match listener.accept() {
            Ok((stream, peer)) => {
                shared.lock().served += 1;
                let (shared, results) = (Arc::clone(shared), results.clone());
                thread::spawn(move || serve(stream, peer, &shared, &results));
            }
            Err(e) => {
                eprintln!("master: accept failed: {e}"); // out of fds, say: try again soon
                thread::sleep(Duration::from_millis(20));
            }
        }
    }
}

// ANCHOR: idea
/// One connection, start to end. However it ends, the tasks it holds go back.
fn serve(stream: TcpStream, peer: SocketAddr, shared: &Shared, results: &Results) {
    let (mut name, mut holding) = (None, Vec::new());
    let mut converse = || -> io::Result<()> {
        stream.set_nodelay(true)?; // small request/reply messages: send each at once
        stream.set_write_timeout(Some(IO_TIMEOUT))?;
        stream.set_read_timeout(Some(HANDSHAKE_TIMEOUT))?;
        let worker = name.insert(protocol::master_handshake(&stream, &shared.key)?);
        stream.set_read_timeout(Some(IO_TIMEOUT))?;
        loop {
            match protocol::recv(&stream)? {
                Msg::GetTask => {
                    let Some(n) = shared.next_task() else {
                        return protocol::send(&stream, &Msg::NoMoreWork);
                    };
                    holding.push(n); // before sending: if that fails, it goes back
                    protocol::send(&stream, &Msg::Task(n))?;
                }
                Msg::Result(n, square) if holding.contains(&n) => {
                    holding.retain(|&held| held != n);
                    let _ = results.send((n, square, worker.clone()));
                }
                other => return Err(io::Error::other(format!("unexpected message {other:?}"))),
            }
        }
    };
    let outcome = converse();
    let mut state = shared.lock();
    state.served -= 1;
    for n in holding {
        let who = name.as_deref().unwrap_or("?"); // a connection holding tasks has a name
        println!("lost {who} on task {n}; it goes back to the queue");
        state.queue.push_front(n);
    }
    shared.changed.notify_all();
    if let Err(e) = outcome {
        eprintln!("master: connection from {peer} closed: {e}");
    }
}
// ANCHOR_END: idea
