//! The one runner of the workspace: a command under a time limit, optionally in a process
//! group of its own so that it and every process it started stop together. The demos'
//! tests use it through [`crate::command_within`] and [`crate::run_leaving_nothing`];
//! `scripts/run_all.sh`, `compare.sh` and `capture.sh` through the `programs` tool.

use std::io::{Read, Write};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// Where the command's output goes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Output {
    /// stdout and stderr kept apart.
    Separate,
    /// stdout and stderr into one text, in the order written (as a terminal shows them).
    Merged,
    /// stdout shown on ours as it comes and kept; stderr shown on ours, not kept.
    Show,
}

/// How to run a command: see [`run`].
pub struct Limits<'a> {
    /// Past it, the command is stopped and the run counts as timed out.
    pub limit: Duration,
    /// At the limit: TERM, then KILL this much later; zero: KILL at once.
    pub grace: Duration,
    pub output: Output,
    /// A process group of its own (Unix), killed as a whole at the limit, on interruption
    /// and, with `kill_leftovers`, once the command has exited.
    pub own_group: bool,
    pub kill_leftovers: bool,
    /// Written to its stdin, then end-of-file; `None`: stdin empty.
    pub input: Option<Vec<u8>>,
    /// At most this many bytes kept of each output (the rest is not read).
    pub cap: Option<u64>,
    /// Once the command has exited, how long to wait for its output to end (a process it
    /// left running may hold the pipes); `None`: until it ends.
    pub drain: Option<Duration>,
    /// Polled while it runs: once true, the command is killed and the run returns.
    pub interrupted: &'a dyn Fn() -> bool,
    /// Called with its PID once it has exited, before its output is drained.
    pub exited: &'a dyn Fn(u32),
}

impl Default for Limits<'_> {
    fn default() -> Self {
        Limits {
            limit: Duration::from_secs(60),
            grace: Duration::ZERO,
            output: Output::Separate,
            own_group: false,
            kill_leftovers: false,
            input: None,
            cap: None,
            drain: None,
            interrupted: &|| false,
            exited: &|_| {},
        }
    }
}

/// How a run ended and what it printed.
#[derive(Debug)]
pub struct Finished {
    /// `None` when the run was interrupted before the command was reaped.
    pub status: Option<ExitStatus>,
    pub timed_out: bool,
    pub interrupted: bool,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

/// Kills process group `pgid` with `signal` (Unix), ignoring a group already gone.
#[cfg(unix)]
pub fn kill_group(pgid: u32, signal: nix::sys::signal::Signal) {
    if let Ok(pgid) = i32::try_from(pgid) {
        let _ = nix::sys::signal::killpg(nix::unistd::Pid::from_raw(pgid), signal);
    }
}

/// Runs `cmd` as `limits` say. Fails only when it cannot start.
pub fn run(mut cmd: Command, limits: &Limits) -> std::io::Result<Finished> {
    #[cfg(unix)]
    if limits.own_group {
        std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
    }
    let stdin = if limits.input.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    };
    cmd.stdin(stdin);
    let mut merged = None;
    match limits.output {
        Output::Separate => {
            cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
        }
        Output::Show => {
            cmd.stdout(Stdio::piped()).stderr(Stdio::inherit());
        }
        Output::Merged => {
            let (reader, writer) = std::io::pipe()?;
            cmd.stdout(writer.try_clone()?).stderr(writer);
            merged = Some(reader);
        }
    }
    let child = cmd.spawn();
    // The Command holds our copies of the pipe's write end: dropped, the reader sees
    // end-of-file once the command's own copies close.
    drop(cmd);
    let mut child = child?;
    if let Some(input) = limits.input.clone() {
        let mut stdin = child.stdin.take().expect("stdin was piped above");
        // Written on a thread of its own, which then drops stdin: end-of-file.
        thread::spawn(move || stdin.write_all(&input));
    }
    let show = limits.output == Output::Show;
    let readers = match merged {
        Some(reader) => vec![Reader::start(reader, limits.cap, false)],
        None => {
            let mut readers = Vec::new();
            if let Some(out) = child.stdout.take() {
                readers.push(Reader::start(out, limits.cap, show));
            }
            if let Some(err) = child.stderr.take() {
                readers.push(Reader::start(err, limits.cap, false));
            }
            readers
        }
    };
    let (status, timed_out, interrupted) = wait(&mut child, limits);
    if status.is_some() {
        (limits.exited)(child.id());
    }
    #[cfg(unix)]
    if limits.own_group && limits.kill_leftovers {
        kill_group(child.id(), nix::sys::signal::Signal::SIGKILL);
    }
    let deadline = limits.drain.map(|d| Instant::now() + d);
    let mut texts = readers.into_iter().map(|r| r.finish(deadline));
    let stdout = texts.next().unwrap_or_default();
    let stderr = texts.next().unwrap_or_default();
    Ok(Finished {
        status,
        timed_out,
        interrupted,
        stdout,
        stderr,
    })
}

/// Waits for `child` under `limits`: (its status, whether it was stopped at the limit,
/// whether it was interrupted). It is reaped in every case but an interruption.
fn wait(child: &mut Child, limits: &Limits) -> (Option<ExitStatus>, bool, bool) {
    let start = Instant::now();
    let mut termed: Option<Instant> = None;
    let stop = |child: &mut Child, signal: nix::sys::signal::Signal| {
        #[cfg(unix)]
        if limits.own_group {
            kill_group(child.id(), signal);
        }
        if signal == nix::sys::signal::Signal::SIGKILL {
            let _ = child.kill();
        }
    };
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            return (Some(status), termed.is_some(), false);
        }
        if (limits.interrupted)() {
            stop(child, nix::sys::signal::Signal::SIGKILL);
            // Reaped here, so no zombie outlives the run.
            let _ = child.wait();
            return (None, false, true);
        }
        match termed {
            None if start.elapsed() > limits.limit => {
                termed = Some(Instant::now());
                if limits.grace.is_zero() {
                    stop(child, nix::sys::signal::Signal::SIGKILL);
                } else {
                    stop(child, nix::sys::signal::Signal::SIGTERM);
                    #[cfg(unix)]
                    if !limits.own_group {
                        let _ = nix::sys::signal::kill(
                            nix::unistd::Pid::from_raw(child.id() as i32),
                            nix::sys::signal::Signal::SIGTERM,
                        );
                    }
                }
            }
            Some(at) if at.elapsed() > limits.grace => {
                stop(child, nix::sys::signal::Signal::SIGKILL)
            }
            _ => {}
        }
        thread::sleep(Duration::from_millis(20));
    }
}

/// A thread reading one pipe to its end (or to a cap), optionally echoing it to stdout.
struct Reader {
    text: Arc<Mutex<Vec<u8>>>,
    done: mpsc::Receiver<()>,
}

impl Reader {
    fn start(mut pipe: impl Read + Send + 'static, cap: Option<u64>, echo: bool) -> Reader {
        let text = Arc::new(Mutex::new(Vec::new()));
        let (tx, done) = mpsc::channel();
        let kept = Arc::clone(&text);
        thread::spawn(move || {
            let mut chunk = [0u8; 8192];
            let mut left = cap.unwrap_or(u64::MAX);
            while left > 0 {
                let want = usize::try_from(left).map_or(chunk.len(), |l| l.min(chunk.len()));
                let Ok(n) = pipe.read(&mut chunk[..want]) else {
                    break;
                };
                if n == 0 {
                    break;
                }
                if echo {
                    let mut out = std::io::stdout().lock();
                    let _ = out.write_all(&chunk[..n]);
                    let _ = out.flush();
                }
                kept.lock()
                    .expect("no reader panics")
                    .extend_from_slice(&chunk[..n]);
                left -= n as u64;
            }
            let _ = tx.send(());
        });
        Reader { text, done }
    }

    /// What it read once the pipe ended, or by `deadline`.
    fn finish(self, deadline: Option<Instant>) -> Vec<u8> {
        match deadline {
            None => {
                let _ = self.done.recv();
            }
            Some(at) => {
                let _ = self
                    .done
                    .recv_timeout(at.saturating_duration_since(Instant::now()));
            }
        }
        std::mem::take(&mut *self.text.lock().expect("no reader panics"))
    }
}
