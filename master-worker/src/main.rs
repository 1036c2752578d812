//! Master-worker: a master hands tasks (numbers to square) to 3 workers and
//! collects the results, first with worker threads, then with worker processes.
//! One poison task breaks whichever worker takes it: a thread panics, a process
//! aborts for real. The master notices, gives that task to another worker and
//! still collects every result.
//!
//! Python: the tutorial's master-worker model, where one crashed worker process
//! leaves the master and the other workers running.
//!
//! Run with: cargo run -p master-worker
//!
//! Expected output (which worker does which task, the PIDs and the order vary;
//! stderr also gets one line, `thread 'worker-2' panicked: poison task 5`):
//! ```text
//! == threads: master (pid 4100) hands 8 tasks to 3 workers ==
//! worker-1 did task 1: 3 * 3 = 9
//! worker-2 panicked ("poison task 5") on task 5; it goes back to the queue, unpoisoned
//! worker-3 did task 5: 31 * 31 = 961
//! ...
//! collected 8 of 8 results with threads
//! note: a panic unwinds only its own thread; an abort (or a segfault) in any thread ends the whole process
//! == processes: master (pid 4100) hands 8 tasks to 3 workers ==
//! process 4102 did task 2: 7 * 7 = 49
//! process 4101 crashed (signal: 6 (SIGABRT)) on task 5; it goes back to the queue, unpoisoned
//! ...
//! collected 8 of 8 results with processes
//!  task |  n | n * n | thread   | process
//!     1 |  3 |     9 | worker-1 | process 4101
//! ...
//! ```

use std::any::Any;
use std::collections::VecDeque;
use std::error::Error;
use std::io::{self, BufRead, BufReader, Write};
use std::panic;
use std::process::{Child, Command, ExitCode, Stdio};
use std::thread;
use std::time::Duration;

use crossbeam::channel::{self, Receiver, Sender};

const TASKS: [u64; 8] = [3, 7, 12, 25, 31, 48, 50, 99];
/// Task 5 is poisoned: the first worker that takes it breaks.
const POISONED: usize = 5;
const WORKERS: usize = 3;
/// The master never waits forever: this long without news from any worker is an error.
const PATIENCE: Duration = Duration::from_secs(10);

#[derive(Clone, Copy)]
struct Task {
    id: usize,
    poison: bool,
}

/// What the master hears from its workers, threads or processes alike:
/// `Done(worker, n * n)`, or `Gone(worker)` once it ended (a panic, a crash, or no more work).
enum Event {
    Done(usize, u64),
    Gone(usize),
}

/// Per task: its square and the name of the worker that computed it.
type Results = Vec<Option<(u64, String)>>;

fn main() -> ExitCode {
    let outcome = match std::env::args().nth(1).as_deref() {
        None => demo(),
        Some("worker") => worker(),
        Some("-h" | "--help") => {
            println!("usage: master-worker   (the `worker` role is started by the master)");
            return ExitCode::SUCCESS;
        }
        Some(other) => Err(format!("unknown argument {other:?} (try --help)").into()),
    };
    if let Err(e) = outcome {
        eprintln!("error: {e}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

fn demo() -> Result<(), Box<dyn Error>> {
    let by_threads = with_threads().map_err(|e| format!("master with threads: {e}"))?;
    // Why the crash below is shown with processes:
    println!(
        "note: a panic unwinds only its own thread; an abort (or a segfault) in any thread \
         ends the whole process"
    );
    let by_processes = with_processes().map_err(|e| format!("master with processes: {e}"))?;
    println!(" task |  n | n * n | thread   | process");
    for (i, (t, p)) in by_threads.iter().zip(&by_processes).enumerate() {
        if let (Some((square, by_t)), Some((_, by_p))) = (t, p) {
            let (id, n) = (i + 1, TASKS[i]);
            println!("{id:>5} | {n:>2} | {square:>5} | {by_t:<8} | {by_p}");
        }
    }
    Ok(())
}

/// The master, the same for threads and processes: keep every live worker busy,
/// collect results, and give a dead worker's task to another one.
fn master(
    kind: &str,
    names: &[String],
    events: &Receiver<Event>,
    mut send: impl FnMut(usize, Task) -> bool,
    mut cause_of_death: impl FnMut(usize) -> String,
) -> Result<Results, Box<dyn Error>> {
    let (pid, total) = (std::process::id(), TASKS.len());
    println!("== {kind}: master (pid {pid}) hands {total} tasks to {WORKERS} workers ==");
    let mut queue: VecDeque<Task> = (1..=total)
        .map(|id| Task {
            id,
            poison: id == POISONED,
        })
        .collect();
    let mut holding: Vec<Option<Task>> = vec![None; WORKERS]; // the task each worker is on
    let mut alive = [true; WORKERS];
    let mut results: Results = vec![None; total];
    while results.iter().flatten().count() < total {
        for w in 0..WORKERS {
            if !alive[w] || holding[w].is_some() {
                continue;
            }
            let Some(task) = queue.pop_front() else { break };
            if send(w, task) {
                holding[w] = Some(task);
            } else {
                queue.push_front(task); // the worker is gone: its Gone event is on the way
            }
        }
        // Fails if every worker (every sender of events) is gone, or all are silent.
        let event = events.recv_timeout(PATIENCE);
        match event.map_err(|e| format!("waiting for workers: {e}"))? {
            Event::Done(w, square) => {
                let task = holding[w].take().ok_or("a result from an idle worker")?;
                let n = TASKS[task.id - 1];
                println!("{} did task {}: {n} * {n} = {square}", names[w], task.id);
                results[task.id - 1] = Some((square, names[w].clone()));
            }
            Event::Gone(w) => {
                alive[w] = false;
                let cause = cause_of_death(w);
                if let Some(task) = holding[w].take() {
                    println!(
                        "{} {cause} on task {}; it goes back to the queue, unpoisoned",
                        names[w], task.id
                    );
                    queue.push_front(Task {
                        poison: false,
                        ..task
                    });
                }
            }
        }
    }
    println!("collected {total} of {total} results with {kind}");
    Ok(results)
}

/// Tells the master that a worker thread has ended, however it ended: a value
/// moved into the thread is dropped while a panic unwinds, so this still runs.
struct GoneOnDrop(usize, Sender<Event>);

impl Drop for GoneOnDrop {
    fn drop(&mut self) {
        let _ = self.1.send(Event::Gone(self.0));
    }
}

fn with_threads() -> Result<Results, Box<dyn Error>> {
    let (event_tx, events) = channel::unbounded();
    let (mut inboxes, mut handles, mut names) = (vec![], vec![], vec![]);
    for w in 0..WORKERS {
        let (task_tx, task_rx) = channel::unbounded::<Task>();
        let gone = GoneOnDrop(w, event_tx.clone());
        names.push(format!("worker-{}", w + 1));
        let handle = thread::Builder::new()
            .name(names[w].clone())
            .spawn(move || {
                for task in task_rx {
                    if task.poison {
                        panic!("poison task {}", task.id);
                    }
                    let n = TASKS[task.id - 1];
                    let _ = gone.1.send(Event::Done(w, n * n));
                }
            })?;
        inboxes.push(task_tx);
        handles.push(Some(handle));
    }
    drop(event_tx); // only the workers hold senders now
    // The default hook prints a panic where it happens, with a whole backtrace when
    // RUST_BACKTRACE is set, burying the demo. One line is enough: the master reports
    // the panic itself, as a value, when it joins the thread.
    panic::set_hook(Box::new(|info| {
        let name = thread::current().name().unwrap_or("<unnamed>").to_owned();
        eprintln!("thread '{name}' panicked: {}", message(info.payload()));
    }));
    let results = master(
        "threads",
        &names,
        &events,
        |w, task| inboxes[w].send(task).is_ok(),
        // The panic is caught here, at join: the master gets its message as a value.
        |w| match handles[w].take().map(|h| h.join()) {
            Some(Err(payload)) => format!("panicked ({:?})", message(&*payload)),
            _ => "ended".to_string(),
        },
    );
    drop(inboxes); // closing the task channels ends the live workers' loops
    for handle in handles.into_iter().flatten() {
        let _ = handle.join(); // any panic was already reported by the master
    }
    drop(panic::take_hook()); // back to the default hook
    results
}

/// A panic's message: `panic!` with arguments carries a `String`, without a `&str`.
fn message(payload: &(dyn Any + Send)) -> &str {
    let text = payload.downcast_ref::<String>().map(String::as_str);
    text.or_else(|| payload.downcast_ref::<&str>().copied())
        .unwrap_or("a non-text panic")
}

/// The worker processes; dropping this kills and reaps any still running, so
/// that no path, an error included, leaves one behind.
struct Children(Vec<Child>);

impl Drop for Children {
    fn drop(&mut self) {
        for child in &mut self.0 {
            let _ = child.kill(); // does nothing to one already reaped
            let _ = child.wait();
        }
    }
}

fn with_processes() -> Result<Results, Box<dyn Error>> {
    let exe = std::env::current_exe()?;
    let (event_tx, events) = channel::unbounded();
    let mut children = Children(vec![]);
    let (mut inboxes, mut readers, mut names) = (vec![], vec![], vec![]);
    for w in 0..WORKERS {
        let mut child = (Command::new(&exe).arg("worker"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()?;
        inboxes.push(child.stdin.take().expect("stdin was piped"));
        let stdout = child.stdout.take().expect("stdout was piped");
        names.push(format!("process {}", child.id()));
        children.0.push(child);
        let tx = event_tx.clone();
        // One reader thread per worker pipe, so that the master waits on all of
        // them through one channel. End of file: the worker exited or crashed.
        readers.push(thread::spawn(move || {
            let lines = BufReader::new(stdout).lines();
            for square in lines.map_while(|line| line.ok()?.trim().parse().ok()) {
                let _ = tx.send(Event::Done(w, square));
            }
            let _ = tx.send(Event::Gone(w));
        }));
    }
    drop(event_tx);
    let results = master(
        "processes",
        &names,
        &events,
        |w, task| writeln!(inboxes[w], "{} {}", TASKS[task.id - 1], task.poison).is_ok(),
        // Reap the dead worker: its exit status says how it died. (Kill first, in
        // case it closed its pipe but still runs; killing a dead one changes nothing.)
        |w| {
            let _ = children.0[w].kill();
            match children.0[w].wait() {
                Ok(status) if status.success() => "exited".to_string(),
                Ok(status) => format!("crashed ({status})"),
                Err(e) => format!("could not be reaped ({e})"),
            }
        },
    )?; // on error, `children` is dropped: every worker is killed and reaped
    drop(inboxes); // end of file on every worker's stdin: the live ones exit
    for child in &mut children.0 {
        child.wait()?; // for the crashed one, wait returns the status saved above
    }
    for reader in readers {
        let _ = reader.join(); // it only forwards lines: it cannot panic
    }
    Ok(results)
}

/// The worker role: for each `n poison` line on stdin, answer `n * n` on stdout.
fn worker() -> Result<(), Box<dyn Error>> {
    let mut out = io::stdout().lock();
    for line in io::stdin().lock().lines() {
        let line = line?;
        let Some((n, poison)) = line.split_once(' ') else {
            return Err(format!("bad task line {line:?}").into());
        };
        if poison == "true" {
            // The crash is deliberate: ask the OS not to write a core file for it.
            #[cfg(unix)]
            let _ = nix::sys::resource::setrlimit(nix::sys::resource::Resource::RLIMIT_CORE, 0, 0);
            std::process::abort(); // a real crash: no unwinding, no cleanup, no goodbye
        }
        let n: u64 = n.parse()?;
        writeln!(out, "{}", n * n)?;
        out.flush()?; // the master is waiting for this line
    }
    Ok(())
}
