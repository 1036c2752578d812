//! The default run: a redis-server of its own, a master and two workers started from this
//! same binary, and one worker killed while it holds a task.

use std::error::Error;
use std::io::{ErrorKind, Write};
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::{thread, time::Duration, time::Instant};

use redis::{Connection, TypedCommands};

use crate::{CLAIM_AFTER, GROUP, TASKS, queue::connect};

pub fn run() -> Result<(), Box<dyn Error>> {
    let Some((_server, url, mut redis)) = start_redis()? else {
        println!(
            "skipped: this demo needs redis-server (apt-get install redis-server, or brew install redis)"
        );
        return Ok(());
    };
    let start = |args: &[&str]| {
        // The URL, password and all, goes in the environment: `ps` shows arguments.
        let mut command = Command::new(std::env::current_exe()?);
        command.args(args).env("REDIS_URL", &url);
        command.spawn().map(KillOnDrop)
    };
    let mut master = start(&["master"])?;
    let [first, second] = ["worker-1", "worker-2"].map(|name| start(&["worker", "--name", name]));
    let mut workers = [first?, second?];
    // A worker that has held a task for 100 ms is inside its work: kill it there.
    let deadline = Instant::now() + Duration::from_secs(30);
    let victim = loop {
        let pending = redis.xpending_count(TASKS, GROUP, "-", "+", 10);
        let pending = pending.unwrap_or_default(); // none before the master makes the group
        if let Some(held) = pending.ids.iter().find(|p| p.last_delivered_ms >= 100) {
            break held.consumer.clone();
        }
        if Instant::now() > deadline {
            return Err("no worker took a task in 30 s".into());
        }
        thread::sleep(Duration::from_millis(20));
    };
    let (killed, survivor) = if victim == "worker-1" { (0, 1) } else { (1, 0) };
    workers[killed].0.kill()?; // SIGKILL on Unix: it has no chance to ack
    workers[killed].0.wait()?;
    let after = CLAIM_AFTER.as_secs();
    println!("Killed {victim} while it held a task: another worker takes it after {after} s");
    // Master and worker each have deadlines of their own: waiting for them cannot hang.
    for child in [&mut master, &mut workers[survivor]] {
        let status = child.0.wait()?;
        if !status.success() {
            return Err(format!("process {} failed ({status})", child.0.id()).into());
        }
    }
    Ok(())
}

/// Starts redis-server on a free 127.0.0.1 port with a fresh password, saving nothing to
/// disk; `None` if it is not installed. Returns it, its URL and a connection once it answers.
fn start_redis() -> Result<Option<Started>, Box<dyn Error>> {
    // Free now; if another process takes it first, the server exits and we say so.
    let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let password = format!("{:032x}", rand::random::<u128>());
    let dir = std::env::temp_dir();
    let config = format!(
        "bind 127.0.0.1\nport {port}\nrequirepass {password}\nsave \"\"\nappendonly no\ndir \"{}\"\n",
        dir.display()
    );
    let mut command = Command::new("redis-server");
    // Settings go in on stdin (`redis-server -`), where `ps` cannot see the password.
    command
        .arg("-")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    #[cfg(target_os = "linux")]
    // SAFETY: between fork and exec the child makes one call, prctl, async-signal-safe.
    // It asks Linux to kill the server when this thread ends, however this process ends.
    unsafe {
        use nix::sys::{prctl, signal::Signal};
        std::os::unix::process::CommandExt::pre_exec(&mut command, || {
            prctl::set_pdeathsig(Signal::SIGKILL).map_err(Into::into)
        });
    }
    let mut server = match command.spawn() {
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
        spawned => KillOnDrop(spawned?),
    };
    let mut stdin = server.0.stdin.take().expect("stdin was piped above");
    stdin.write_all(config.as_bytes())?;
    drop(stdin); // end of file: it starts once it has read every setting
    let url = format!("redis://:{password}@127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if let Ok((redis, addr)) = connect(&url) {
            println!("Started redis-server on {addr} (a password, no persistence)");
            return Ok(Some((server, url, redis)));
        }
        if let Some(status) = server.0.try_wait()? {
            return Err(format!("redis-server exited ({status})").into());
        }
        thread::sleep(Duration::from_millis(50));
    }
    Err("redis-server did not start within 10 s".into())
}

/// A redis-server started, its URL, and a connection to it.
type Started = (KillOnDrop, String, Connection);

/// A child that dropping kills and reaps, so that no path, an error included, leaves it.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill(); // does nothing to a child already reaped
        let _ = self.0.wait();
    }
}
