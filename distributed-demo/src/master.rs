//! The master: a task queue served over TCP, one thread per connection, a few
//! connections at a time. A connection may hold several tasks; when it drops
//! before their results come back, every one goes back to the queue.

use crate::protocol::{self, Msg};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, mpsc::Receiver, mpsc::Sender};
use std::{collections::VecDeque, error::Error, io, thread, time::Duration, time::Instant};

const MAX_CONNS: usize = 16; // more wait in the backlog; idle ones go in 1 s, so floods pass
const HANDSHAKE_LIMIT: Duration = Duration::from_secs(1); // in all, however its bytes trickle in
// A task's lease: silent this long, a worker loses it; longer than a task, far shorter than a run.
const LEASE: Duration = Duration::from_secs(3);
const GRACE: Duration = Duration::from_secs(1); // after the work, for workers to hear it is done

type Results = Sender<(u32, u64, String)>; // (n, n * n, worker's name); no two tasks share an n

/// A master serving its tasks in the background; `collect` prints each result as it comes.
pub struct Master {
    pub addr: SocketAddr,
    tasks: u32,
    shared: Arc<Shared>,
    results: Receiver<(u32, u64, String)>,
}

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

impl Master {
    pub fn start(addr: &str, key: Vec<u8>, tasks: u32) -> Result<Master, String> {
        let listener = TcpListener::bind(addr).map_err(|e| format!("listening on {addr}: {e}"))?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        println!("Listening on {addr}"); // a port 0 became a real one
        let (mut shared, (results_tx, results)) = (Shared::default(), std::sync::mpsc::channel());
        shared.key = key;
        for n in rand::seq::index::sample(&mut rand::rng(), 10_000, tasks as usize) {
            println!("Put task {n}...");
            shared.lock().queue.push_back(n as u32);
        }
        let shared = Arc::new(shared);
        let server = Arc::clone(&shared);
        thread::spawn(move || accept_loop(&listener, &server, &results_tx)); // serves till exit
        println!("Try get results...");
        Ok(Master {
            addr,
            tasks,
            shared,
            results,
        })
    }

    pub fn collect(self, timeout: Duration) -> Result<(), Box<dyn Error>> {
        let (deadline, tasks, mut received) = (Instant::now() + timeout, self.tasks, 0);
        let left = || deadline.saturating_duration_since(Instant::now());
        // Till the deadline; only a task's holder sends its result, so each counts once.
        let in_time = std::iter::from_fn(|| self.results.recv_timeout(left()).ok());
        for (n, square, by) in in_time.take(tasks as usize) {
            println!("Result: {n} * {n} = {square} (from {by})");
            received += 1;
        }
        let mut state = self.shared.lock();
        state.done = true;
        state.queue.clear();
        self.shared.changed.notify_all();
        // Workers waiting for a task hear there is none; no connection keeps the master past GRACE.
        let waited = (self.shared.changed).wait_timeout_while(state, GRACE, |s| s.served > 0);
        drop(waited.expect("no thread panics holding it"));
        if received < tasks {
            return Err(format!("only {received} of {tasks} results in {timeout:?}").into());
        }
        println!("master exit.");
        Ok(())
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().expect("no thread panics holding it")
    }

    /// Waits until `ready` holds for the state, then returns it, locked.
    fn when(&self, ready: impl Fn(&State) -> bool) -> MutexGuard<'_, State> {
        (self.changed.wait_while(self.lock(), |s| !ready(s))).expect("no thread panics holding it")
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
    let (mut name, mut holding) = (String::from("connection"), Vec::new()); // named once in
    let mut converse = || -> io::Result<()> {
        stream.set_nodelay(true)?; // small request/reply messages: send each at once
        stream.set_write_timeout(Some(LEASE))?;
        name = protocol::admit(&stream, &shared.key, HANDSHAKE_LIMIT)?;
        loop {
            match protocol::recv(&stream, LEASE)? {
                Msg::GetTask => {
                    // Waits for a task to hand out, or for the work to be done (none).
                    let mut state = shared.when(|s| !s.queue.is_empty() || s.done);
                    let Some(n) = state.queue.pop_front() else {
                        return protocol::send(&stream, &Msg::NoMoreWork);
                    };
                    drop(state);
                    holding.push(n); // before sending: if that fails, it goes back
                    protocol::send(&stream, &Msg::Task(n))?;
                }
                Msg::Square(n, square) if holding.contains(&n) => {
                    if square != u64::from(n) * u64::from(n) {
                        let why = format!("wrong answer: {n} * {n} = {square}");
                        return Err(io::Error::other(why)); // checked, not believed
                    }
                    holding.retain(|&held| held != n);
                    let _ = results.send((n, square, name.clone()));
                }
                other => return Err(io::Error::other(format!("unexpected message {other:?}"))),
            }
        }
    };
    if let Err(e) = converse() {
        eprintln!("master: {name} at {peer} closed: {e}");
    }
    let mut state = shared.lock();
    state.served -= 1;
    for n in holding {
        println!("lost {name} on task {n}; it goes back to the queue");
        state.queue.push_front(n);
    }
    shared.changed.notify_all();
}
// ANCHOR_END: idea
