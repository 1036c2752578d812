//! Run another program: wait for its exit code, or feed its stdin and read
//! all of its output, and the deadlock that waiting before reading causes.
//!
//! First a command runs with this terminal's stdout and its exit code is
//! printed (Python's `subprocess.call`). Then a command is started with
//! piped stdin and stdout; the demo writes input to it and reads everything
//! it prints before waiting for it (Python's `Popen(...).communicate(input)`).
//! Last, why that order matters: a child that prints more than a pipe holds
//! (64 KiB on Linux) blocks until someone reads, so waiting for it to exit
//! before reading its output never ends. The demo waits, gives up after a
//! time limit, says so, kills and reaps the child, then does it right.
//! Every command is this same program in a helper role, so the demo works
//! offline on any machine; give your own command as arguments to run it
//! instead, e.g. `cargo run -p subprocess-demo -- ls -l`.
//!
//! Python: `subprocess.call(['nslookup', ...])` and `p.communicate(b'...')`
//! (Liao Xuefeng's Python tutorial, 进程和线程 / 多进程, 子进程).
//!
//! Run with: cargo run -p subprocess-demo
//!
//! Expected output (the PID and the byte count the pipe held differ):
//!
//! ```text
//! $ subprocess-demo --child hello
//! Hello from child process 1234.
//! Exit code: 0
//! $ printf 'set q=mx\npython.org\nexit\n' | subprocess-demo --child upper
//! SET Q=MX
//! PYTHON.ORG
//! EXIT
//! Exit code: 0
//! $ subprocess-demo --child big  # wait for it to exit, then read
//! deadlock: after 2 s the child is still blocked writing to a full pipe, while we wait for it to exit; killing it
//! Read 65536 of 1048576 bytes.
//! Exit code: none (signal: 9 (SIGKILL))
//! $ subprocess-demo --child big  # read to the end, then wait
//! Read 1048576 of 1048576 bytes.
//! Exit code: 0
//! ```
//!
//! Cross-platform. To copy: `cargo add clap@4 --features derive`

use clap::Parser;
use std::error::Error;
use std::io::{self, Read, Write};
use std::process::{Command, ExitStatus, Stdio};
use std::thread;
use std::time::Duration;

/// What the communicate example writes to the child's stdin.
const INPUT: &str = "set q=mx\npython.org\nexit\n";
/// How much the `big` helper prints: far more than any pipe holds.
const BIG: usize = 1 << 20;
/// How long the wrong order gets before the demo calls it a deadlock.
const WAIT_LIMIT: Duration = Duration::from_secs(2);
/// The first argument that makes this program one of its own helper children.
const CHILD_ROLE: &str = "--child";

/// Runs child processes like Python's subprocess.call and communicate, and
/// shows the deadlock that reading a child's output only after waiting causes.
#[derive(Parser)]
struct Args {
    /// Run this command (with its arguments) instead, and print its exit code.
    #[arg(trailing_var_arg = true)]
    command: Vec<String>,
}

// ANCHOR: idea
fn main() -> Result<(), Box<dyn Error>> {
    // args_os, not args: args panics on an argument that is not UTF-8 (clap says so instead).
    let mut args = std::env::args_os().skip(1);
    if args.next().is_some_and(|role| role == CHILD_ROLE) {
        return child(&args.next().unwrap_or_default().to_string_lossy());
    }
    let command = Args::parse().command;
    if let [program, args @ ..] = &command[..] {
        println!("$ {}", command.join(" "));
        let status = Command::new(program).args(args).status();
        print_exit_code(status.map_err(|e| format!("could not start {program}: {e}"))?);
        return Ok(());
    }
    let me = std::env::current_exe()?;

    // subprocess.call: the child inherits our stdout; status() waits for it.
    println!("$ subprocess-demo --child hello");
    print_exit_code(Command::new(&me).args([CHILD_ROLE, "hello"]).status()?);

    // communicate: both ends piped.
    println!(
        "$ printf '{}' | subprocess-demo --child upper",
        INPUT.replace('\n', "\\n")
    );
    let mut child = Command::new(&me)
        .args([CHILD_ROLE, "upper"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()?;
    // Another thread writes the input (closing stdin when done: end of input)
    // while this one reads: a child that answers as it reads would otherwise
    // fill its stdout pipe and stop reading while we are still writing.
    let mut stdin = child.stdin.take().expect("stdin was piped");
    let writer = thread::spawn(move || stdin.write_all(INPUT.as_bytes()));
    // Reads stdout to its end, then waits: what Python's communicate() does.
    let output = child.wait_with_output()?;
    writer
        .join()
        .expect("write_all returns its errors, it does not panic")?;
    print!("{}", String::from_utf8_lossy(&output.stdout));
    print_exit_code(output.status);

    // The wrong order: wait for the child to exit, then read its output.
    println!("$ subprocess-demo --child big  # wait for it to exit, then read");
    let mut child = Command::new(&me)
        .args([CHILD_ROLE, "big"])
        .stdout(Stdio::piped())
        .spawn()?;
    // `child.wait()` would never return here. std has no wait with a time
    // limit, so: let the limit pass, then ask whether the child has exited.
    thread::sleep(WAIT_LIMIT);
    let status = match child.try_wait()? {
        Some(status) => status,
        None => {
            let secs = WAIT_LIMIT.as_secs();
            println!(
                "deadlock: after {secs} s the child is still blocked writing to a full pipe, \
                 while we wait for it to exit; killing it"
            );
            child.kill()?;
            child.wait()? // reap it
        }
    };
    let mut held = Vec::new();
    child
        .stdout
        .take()
        .expect("stdout was piped")
        .read_to_end(&mut held)?;
    println!("Read {} of {BIG} bytes.", held.len());
    print_exit_code(status);

    // The right order: `output()` reads to the end, then waits.
    println!("$ subprocess-demo --child big  # read to the end, then wait");
    let output = Command::new(&me).args([CHILD_ROLE, "big"]).output()?;
    println!("Read {} of {BIG} bytes.", output.stdout.len());
    print_exit_code(output.status);
    Ok(())
}
// ANCHOR_END: idea

fn print_exit_code(status: ExitStatus) {
    match status.code() {
        Some(code) => println!("Exit code: {code}"),
        // On Unix a process killed by a signal has no exit code.
        None => println!("Exit code: none ({status})"),
    }
}

/// The helper roles this program plays as a child of its own demo.
fn child(role: &str) -> Result<(), Box<dyn Error>> {
    match role {
        "hello" => println!("Hello from child process {}.", std::process::id()),
        // Stdin to stdout, upper-cased (what `tr a-z A-Z` does on Unix).
        "upper" => {
            let mut input = String::new();
            io::stdin().read_to_string(&mut input)?;
            io::stdout().write_all(input.to_uppercase().as_bytes())?;
        }
        "big" => io::stdout().write_all("x".repeat(BIG).as_bytes())?,
        _ => return Err(format!("no child role {role:?}").into()),
    }
    Ok(())
}
