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
//! Python: `p = Process(target=run_proc, args=('test',)); p.start(); p.join()`.
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
//! Works on every platform Rust's standard library supports; no dependencies.

use std::error::Error;
use std::process::{Command, ExitCode};
use std::sync::Mutex;

/// A global, as in the Python original. Each process has its own.
static RESULT: Mutex<Vec<u32>> = Mutex::new(Vec::new());

/// The argument that makes this binary play the child.
const CHILD_ROLE: &str = "child";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let outcome = match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        [] => parent(),
        [CHILD_ROLE, name] => child(name),
        ["-h" | "--help"] => {
            println!(
                "usage: spawn-demo\n\nStarts itself again as a child process and waits for it."
            );
            println!("(`spawn-demo {CHILD_ROLE} NAME` is the child's role, used internally.)");
            Ok(())
        }
        _ => Err(format!("unexpected arguments {args:?} (try --help)").into()),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn parent() -> Result<(), Box<dyn Error>> {
    println!("Parent process {}.", std::process::id());
    let exe = std::env::current_exe().map_err(|e| format!("could not find this program: {e}"))?;
    println!("Child process will start.");
    // `status()` starts the child and waits for it, like start() + join().
    // The child inherits stdout, so its lines appear right here.
    let status = Command::new(&exe)
        .args([CHILD_ROLE, "test"])
        .status()
        .map_err(|e| format!("could not start {}: {e}", exe.display()))?;
    if !status.success() {
        return Err(format!("child process failed: {status}").into());
    }
    println!("Child process end.");
    // The child pushed four squares into its RESULT; ours was never touched.
    println!(
        "Result (in parent process {}): {:?}",
        std::process::id(),
        lock_result()
    );
    Ok(())
}

fn child(name: &str) -> Result<(), Box<dyn Error>> {
    println!("Run child process {name} ({})...", std::process::id());
    lock_result().extend((1..=4).map(|x| x * x));
    println!(
        "Result (in child process {}): {:?}",
        std::process::id(),
        lock_result()
    );
    Ok(())
}

/// The global's guard. Only one thread ever locks it, so it cannot be
/// poisoned by a panic in another thread.
fn lock_result() -> std::sync::MutexGuard<'static, Vec<u32>> {
    RESULT
        .lock()
        .expect("no other thread exists to poison this lock")
}
