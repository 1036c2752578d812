//! fork: called once, returns twice.
//!
//! `fork` copies the running process. Both copies continue from the same
//! line: the parent gets the child's PID back, the child gets "you are the
//! child". The parent then reaps the child with `waitpid` and reports its
//! exit status, so no zombie is left behind.
//!
//! Python: `pid = os.fork()` and `if pid == 0: ...` in the child.
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
//! To copy: add `nix = { version = "0.31", features = ["process"] }`.

#[cfg(unix)]
fn main() {
    if let Err(message) = parse_args() {
        eprintln!("error: {message}");
        std::process::exit(1);
    }
    if let Err(message) = run() {
        eprintln!("error: {message}");
        std::process::exit(1);
    }
}

#[cfg(not(unix))]
fn main() {
    if let Err(message) = parse_args() {
        eprintln!("error: {message}");
        std::process::exit(1);
    }
    println!("fork is Unix-only, so this demo does nothing on this platform.");
    println!("Run `cargo run -p spawn-demo` to see a child process started portably.");
}

/// `--help` prints usage and exits; anything else is an error.
fn parse_args() -> Result<(), String> {
    match std::env::args().nth(1).as_deref() {
        None => Ok(()),
        Some("-h" | "--help") => {
            println!("usage: fork-demo\n\nForks once; parent and child each print who they are.");
            std::process::exit(0);
        }
        Some(other) => Err(format!("unexpected argument '{other}' (try --help)")),
    }
}

#[cfg(unix)]
fn run() -> Result<(), String> {
    use nix::sys::wait::{WaitStatus, waitpid};
    use nix::unistd::{ForkResult, fork, getpid};
    use std::io::Write;

    println!("Process ({}) start...", getpid());
    // Anything still sitting in stdout's buffer would be copied into the
    // child and printed twice, so empty it before forking. The handle is
    // taken here, in the parent, because the first call to `stdout()` may
    // allocate, which the child must not do.
    let stdout = std::io::stdout();
    stdout
        .lock()
        .flush()
        .map_err(|e| format!("could not flush stdout: {e}"))?;

    // SAFETY: fork is sound to call here: this program has started no other
    // thread, so no lock can be held by a thread that will not exist in the
    // child. The child branch below follows nix's rule anyway and calls only
    // async-signal-safe functions (getpid, getppid, write, _exit).
    match unsafe { fork() }.map_err(|e| format!("could not fork: {e}"))? {
        ForkResult::Child => run_child(&stdout),
        ForkResult::Parent { child } => {
            println!("I ({}) just created a child process ({child}).", getpid());
            // Reaping the child collects its exit status; until then it is
            // a zombie holding a slot in the process table.
            match waitpid(child, None).map_err(|e| format!("could not wait for {child}: {e}"))? {
                WaitStatus::Exited(pid, code) => {
                    println!("Child process ({pid}) exited with status {code}.")
                }
                other => println!("Child process ({child}) ended abnormally: {other:?}."),
            }
            Ok(())
        }
    }
}

/// The child's whole life. It formats into a stack buffer (no heap
/// allocation: malloc may hold a lock copied from the parent), writes with
/// the raw `write` call, and leaves with `_exit`, which skips Rust's and
/// libc's exit-time cleanup that belongs to the parent. (`stdout` only
/// lends file descriptor 1 here; its buffer and lock are not touched.)
#[cfg(unix)]
fn run_child(stdout: &std::io::Stdout) -> ! {
    use std::fmt::Write as _;

    let mut line = StackLine {
        buf: [0; 128],
        len: 0,
    };
    let formatted = writeln!(
        line,
        "I am child process ({}) and my parent is {}.",
        nix::unistd::getpid(),
        nix::unistd::getppid()
    );
    let written = formatted.is_ok() && nix::unistd::write(stdout, line.as_bytes()).is_ok();
    let code = if written { 0 } else { 1 };
    // SAFETY: _exit is async-signal-safe and ends the process at once; no
    // Rust value is used after it.
    unsafe { nix::libc::_exit(code) }
}

/// A fixed-size text buffer that `write!` can fill without allocating.
#[cfg(unix)]
struct StackLine {
    buf: [u8; 128],
    len: usize,
}

#[cfg(unix)]
impl StackLine {
    fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

#[cfg(unix)]
impl std::fmt::Write for StackLine {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let end = self.len + s.len();
        // Too long: report an error rather than cut the line.
        let slot = self.buf.get_mut(self.len..end).ok_or(std::fmt::Error)?;
        slot.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}
