//! Run another program: wait for its exit code, or feed its stdin and read
//! all of its output.
//!
//! First a command runs with this terminal's stdout and its exit code is
//! printed (Python's `subprocess.call`). Then a command is started with
//! piped stdin and stdout; the demo writes input to it and reads everything
//! it prints before waiting for it (Python's `Popen(...).communicate(input)`).
//! Both commands are this same program in a helper role, so the demo works
//! offline on any machine; give your own command as arguments to run it
//! instead, e.g. `cargo run -p subprocess-demo -- ls -l`.
//!
//! Python: `subprocess.call(['nslookup', ...])` and `p.communicate(b'...')`.
//!
//! Run with: cargo run -p subprocess-demo
//!
//! Expected output (the PID differs):
//!
//! ```text
//! $ subprocess-demo --child hello
//! Hello from child process 1234 on linux.
//! Exit code: 0
//! $ printf 'set q=mx\npython.org\nexit\n' | subprocess-demo --child upper
//! SET Q=MX
//! PYTHON.ORG
//! EXIT
//! Exit code: 0
//! ```
//!
//! Cross-platform; no dependencies.

use std::error::Error;
use std::io::{Read, Write};
use std::process::{Command, ExitCode, ExitStatus, Stdio};

/// What the second example writes to the child's stdin.
const INPUT: &str = "set q=mx\npython.org\nexit\n";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let outcome = match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        [] => demo(),
        ["-h" | "--help"] => {
            println!("usage: subprocess-demo [[--] COMMAND [ARG...]]\n");
            println!("Without arguments, runs two child processes and shows their output.");
            println!("With a COMMAND, runs it and prints its exit code.");
            println!("(`--child hello` and `--child upper` are helper roles, used internally.)");
            Ok(())
        }
        ["--child", "hello"] => {
            let (pid, os) = (std::process::id(), std::env::consts::OS);
            println!("Hello from child process {pid} on {os}.");
            Ok(())
        }
        ["--child", "upper"] => upper(),
        ["--", program, ref args @ ..] => call(program, args),
        [program, ref args @ ..] if !program.starts_with('-') => call(program, args),
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

fn demo() -> Result<(), Box<dyn Error>> {
    let exe = std::env::current_exe().map_err(|e| format!("could not find this program: {e}"))?;
    // Show the short name in the `$` lines; the full path runs.
    let name = "subprocess-demo";

    // subprocess.call: the child inherits our stdout, so its output appears
    // directly; `status()` waits for it to end.
    println!("$ {name} --child hello");
    let status = Command::new(&exe)
        .args(["--child", "hello"])
        .status()
        .map_err(|e| format!("could not start {name}: {e}"))?;
    print_exit_code(status);

    // communicate: both ends piped.
    println!(
        "$ printf '{}' | {name} --child upper",
        INPUT.replace('\n', "\\n")
    );
    let mut child = Command::new(&exe)
        .args(["--child", "upper"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("could not start {name}: {e}"))?;
    // Never `wait()` first and read afterwards. A pipe holds only so much
    // (64 KiB on Linux); a child with more to say blocks in write until
    // someone reads, while we would block in wait until it exits: deadlock.
    // Writing all input before reading has the same trap when the child
    // answers as it reads. So another thread writes the input (and closes
    // stdin when done, the child's end-of-input), this one reads the output
    // to its end, and only then do we wait. `wait_with_output` does the
    // reading and the waiting, as Python's communicate() does.
    let mut stdin = child.stdin.take().expect("stdin was piped");
    let writer = std::thread::spawn(move || stdin.write_all(INPUT.as_bytes()));
    let output = child
        .wait_with_output()
        .map_err(|e| format!("could not read from {name}: {e}"))?;
    writer
        .join()
        .expect("write_all returns its errors, it does not panic")
        .map_err(|e| format!("could not write to {name}: {e}"))?;
    print!("{}", String::from_utf8_lossy(&output.stdout));
    print_exit_code(output.status);
    Ok(())
}

/// Runs the user's command like `subprocess.call`.
fn call(program: &str, args: &[&str]) -> Result<(), Box<dyn Error>> {
    println!("$ {}", [&[program], args].concat().join(" "));
    let status = Command::new(program)
        .args(args)
        .status()
        .map_err(|e| format!("could not start {program}: {e}"))?;
    print_exit_code(status);
    Ok(())
}

fn print_exit_code(status: ExitStatus) {
    match status.code() {
        Some(code) => println!("Exit code: {code}"),
        // On Unix a process killed by a signal has no exit code.
        None => println!("Exit code: none ({status})"),
    }
}

/// The helper role that the second example talks to: stdin to stdout,
/// upper-cased (what `tr a-z A-Z` does on Unix).
fn upper() -> Result<(), Box<dyn Error>> {
    let mut input = String::new();
    std::io::stdin().read_to_string(&mut input)?;
    std::io::stdout().write_all(input.to_uppercase().as_bytes())?;
    Ok(())
}
