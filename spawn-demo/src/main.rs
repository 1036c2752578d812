//! Start a child process portably: the program runs itself again.
//!
//! Rust has no `multiprocessing.Process(target=f)`: a new process cannot be
//! handed a closure. The portable way is to start this same executable
//! (`std::env::current_exe`) with an argument that selects the child's role,
//! then `wait` for it, which is `join` in Python.
//!
//! It also shows that processes do not share memory: the child fills a
//! global list, and the parent's copy of that global is still empty after
//! the child has ended. (A `Mutex` guards a global against other threads of
//! the same process; another process has a global of its own.)
//!
//! Python: `p = Process(target=run_proc, args=('test',)); p.start(); p.join()`
//! (Liao Xuefeng's Python tutorial, 进程和线程 / 多进程, multiprocessing).
//!
//! Run with: cargo run -p spawn-demo
//!
//! Expected output (PIDs differ):
//!
//! ```text
//! Parent process 928.
//! Child process will start.
//! Run child process test (929)...
//! Result (in child process 929): [1, 4, 9, 16]
//! Child process end.
//! Result (in parent process 928): []
//! ```
//!
//! Works on every platform Rust's standard library supports.
//!
//! To copy: no dependencies

use std::error::Error;
use std::process::Command;
use std::sync::Mutex;

/// A global, as in the Python original. Each process has its own.
static RESULT: Mutex<Vec<u32>> = Mutex::new(Vec::new());

/// The first argument that makes this program play the child.
const CHILD_ROLE: &str = "child";

// ANCHOR: idea
fn main() -> Result<(), Box<dyn Error>> {
    // args_os, not args: args panics on an argument that is not UTF-8.
    let mut args = std::env::args_os().skip(1);
    match args.next() {
        None => {}
        Some(role) if role == CHILD_ROLE => {
            let name = args.next().ok_or("the child needs a name")?;
            run_proc(&name.to_string_lossy());
            return Ok(());
        }
        Some(other) => {
            return Err(format!("unexpected argument '{}': none is taken", other.display()).into());
        }
    }

    println!("Parent process {}.", std::process::id());
    println!("Child process will start.");
    // `status()` starts the child and waits for it: start() and join() in one.
    // The child inherits our stdout, so its lines appear right here.
    let status = Command::new(std::env::current_exe()?)
        .args([CHILD_ROLE, "test"])
        .status()?;
    if !status.success() {
        return Err(format!("the child process failed: {status}").into());
    }
    println!("Child process end.");
    // The child filled its own RESULT; ours was never touched.
    println!(
        "Result (in parent process {}): {:?}",
        std::process::id(),
        RESULT.lock().expect("no thread panics while holding it")
    );
    Ok(())
}
// ANCHOR_END: idea

/// What the child process runs: `run_proc` in the Python original.
fn run_proc(name: &str) {
    println!("Run child process {name} ({})...", std::process::id());
    let mut result = RESULT.lock().expect("no thread panics while holding it");
    result.extend((1..=4).map(|x| x * x));
    println!(
        "Result (in child process {}): {result:?}",
        std::process::id()
    );
}
