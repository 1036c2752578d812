//! fork: called once, returns twice.
//!
//! `fork` copies the running process. Both copies continue from the same
//! line: the parent gets the child's PID back, the child gets "you are the
//! child". The parent then reaps the child with `waitpid` and reports its
//! exit status, so no zombie is left behind.
//!
//! Python: `pid = os.fork()` and `if pid == 0: ...` in the child
//! (Liao Xuefeng's Python tutorial, 进程和线程 / 多进程).
//!
//! Run with: cargo run -p fork-demo
//!
//! Expected output (PIDs differ; the second and third lines may swap, since
//! parent and child run at the same time):
//!
//! ```text
//! Process (876) start...
//! I (876) just created a child process (877).
//! I am child process (877) and my parent is 876.
//! Child process (877) exited with status 0.
//! ```
//!
//! Unix only (Linux, macOS, BSD): Windows has no fork. There, see spawn-demo,
//! which starts a child process portably.
//!
//! To copy: `cargo add nix@0.31 --features process`

// ANCHOR: idea
#[cfg(unix)]
fn main() -> Result<(), Box<dyn std::error::Error>> {
    use nix::sys::wait::{WaitStatus, waitpid};
    use nix::unistd::{ForkResult, fork, getpid, getppid};
    use std::io::Write;

    println!("Process ({}) start...", getpid());
    // Whatever sits in stdout's buffer at fork is copied into the child and
    // printed twice, so empty it first. (Rust's stdout is line-buffered, so
    // after println! it is empty already; after print! it would not be.)
    std::io::stdout().flush()?;

    // SAFETY: this program has started no other thread, so the child's copy
    // of memory holds no lock taken by a thread that does not exist there,
    // and the child may print like any program. (Once a program has threads,
    // a forked child may only call async-signal-safe functions: no
    // allocation, no println!, until it calls exec or _exit.)
    match unsafe { fork() }? {
        ForkResult::Child => {
            println!(
                "I am child process ({}) and my parent is {}.",
                getpid(),
                getppid()
            );
            std::io::stdout().flush()?;
            // SAFETY: _exit ends this process at once. It skips the exit-time
            // cleanup, which belongs to the parent's copy of the program.
            unsafe { nix::libc::_exit(0) }
        }
        ForkResult::Parent { child } => {
            println!("I ({}) just created a child process ({child}).", getpid());
            // Reaping collects the child's exit status; until then the ended
            // child is a zombie holding a slot in the process table.
            match waitpid(child, None)? {
                WaitStatus::Exited(pid, code) => {
                    println!("Child process ({pid}) exited with status {code}.");
                }
                other => println!("Child process ({child}) ended abnormally: {other:?}."),
            }
        }
    }
    Ok(())
}
// ANCHOR_END: idea

#[cfg(not(unix))]
fn main() {
    println!("fork is Unix-only, so this demo does nothing on this platform.");
    println!("Run `cargo run -p spawn-demo` to see a child process started portably.");
}
