//! The default run: a redis-server of its own, a master and two workers started from this
//! same binary, and one worker killed while it holds a task.

use std::error::Error;
use std::io::{ErrorKind, Write};
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::Duration;

use redis::streams::StreamPendingId;
use redis::{Connection, TypedCommands};

use crate::{CLAIM_AFTER, GROUP, TASKS, connect};

pub fn run() -> Result<(), Box<dyn Error>> {
    let mut children = Children(Vec::new()); // redis-server first, then master and workers
    let Some((url, mut redis)) = start_redis(&mut children)? else {
        println!(
            "skipped: this demo needs redis-server (apt-get install redis-server, or brew install redis)"
        );
        return Ok(());
    };
    for role in ["master", "worker", "worker"] {
        // The URL, password and all, goes in the environment: `ps` shows arguments.
        let mut child = Command::new(std::env::current_exe()?);
        children
            .0
            .push(child.arg(role).env("REDIS_URL", &url).spawn()?);
    }
    // A worker that has held a task for 100 ms is inside its work: kill it there.
    let mut holder = None;
    for _ in 0..1500 {
        // every 20 ms, for 30 s at most
        let pending = redis
            .xpending_count(TASKS, GROUP, "-", "+", 10)
            .unwrap_or_default();
        let holds_task = |c: &Child| {
            let name = format!("worker-{}", c.id());
            let held = |p: &StreamPendingId| p.consumer == name && p.last_delivered_ms >= 100;
            pending.ids.iter().any(held)
        };
        holder = children.0.iter().position(holds_task);
        if holder.is_some() {
            break;
        }
        thread::sleep(Duration::from_millis(20));
    }
    let mut victim = children
        .0
        .swap_remove(holder.ok_or("no worker took a task")?);
    let _ = victim.kill(); // SIGKILL on Unix: it has no chance to ack
    victim.wait()?;
    let after = CLAIM_AFTER.as_secs();
    println!(
        "Killed worker {} while it held a task: another worker takes it after {after} s",
        victim.id()
    );
    // Master and workers each have deadlines of their own: waiting for them cannot hang.
    for child in &mut children.0[1..] {
        let status = child.wait()?;
        if !status.success() {
            return Err(format!("process {} failed ({status})", child.id()).into());
        }
    }
    Ok(())
}

/// Starts redis-server on a free 127.0.0.1 port with a fresh password, saving nothing to
/// disk, as the first of `children`; `None` if it is not installed. Returns its URL and a
/// connection once it answers.
fn start_redis(children: &mut Children) -> Result<Option<(String, Connection)>, Box<dyn Error>> {
    // Free now; if another process takes it first, the server exits and we say so.
    let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let password = format!("{:032x}", rand::random::<u128>());
    // Settings go in on stdin (`redis-server -`), where `ps` cannot see the password.
    let config = format!(
        "bind 127.0.0.1\nport {port}\nrequirepass {password}\nsave \"\"\nappendonly no\ndir \"{}\"\n",
        std::env::temp_dir().display()
    );
    let spawned = Command::new("redis-server")
        .arg("-")
        .stdin(Stdio::piped())
        .stdout(Stdio::null()) // its log; it says nothing on stderr either
        .stderr(Stdio::null())
        .spawn();
    match spawned {
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
        spawned => children.0.push(spawned?),
    }
    let server = &mut children.0[0];
    let mut stdin = server.stdin.take().expect("stdin was piped above");
    stdin.write_all(config.as_bytes())?;
    drop(stdin); // end of file: it starts once it has read every setting
    let url = format!("redis://:{password}@127.0.0.1:{port}");
    for _ in 0..200 {
        // every 50 ms, for 10 s at most
        if let Ok((redis, addr)) = connect(&url) {
            println!("Started redis-server on {addr} (a password, no persistence)");
            return Ok(Some((url, redis)));
        }
        if let Some(status) = server.try_wait()? {
            return Err(format!("redis-server exited ({status})").into());
        }
        thread::sleep(Duration::from_millis(50));
    }
    Err("redis-server did not start within 10 s".into())
}

/// The run's processes. Dropping this kills and reaps any still running, so that even an
/// error leaves no process behind.
struct Children(Vec<Child>);

impl Drop for Children {
    fn drop(&mut self) {
        for child in &mut self.0 {
            let _ = child.kill(); // does nothing to a child already reaped
            let _ = child.wait();
        }
    }
}
