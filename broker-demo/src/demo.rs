//! The default run: a redis-server of its own, a master and two workers started from this
//! same binary, and one worker killed while it holds a task.

use std::error::Error;
use std::io::Write;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use redis::TypedCommands;

use crate::{CLAIM_AFTER, GROUP, TASKS, connect};

const WORKERS: usize = 2;
const LIMIT: Duration = Duration::from_secs(60); // for the whole run

pub fn run() -> Result<(), Box<dyn Error>> {
    let Some(server) = RedisServer::start()? else {
        println!(
            "skipped: this demo needs redis-server (apt-get install redis-server, or brew install redis)"
        );
        return Ok(());
    };
    println!(
        "Started redis-server on 127.0.0.1:{} (a password, no persistence)",
        server.port
    );
    let mut redis = connect(&server.url)?;
    // The children get the URL, password and all, in their environment: `ps` shows arguments.
    let spawn = |role| {
        Command::new(std::env::current_exe()?)
            .arg(role)
            .env("REDIS_URL", &server.url)
            .spawn()
    };
    let mut children = Children(vec![spawn("master")?]);
    for _ in 0..WORKERS {
        children.0.push(spawn("worker")?);
    }
    let deadline = Instant::now() + LIMIT;
    // Once a worker has held a task for 100 ms, it is inside its work: kill it there.
    let mut victim = loop {
        let pending = redis
            .xpending_count(TASKS, GROUP, "-", "+", 10)
            .unwrap_or_default();
        let holds = |c: &Child| {
            let me = format!("worker-{}", c.id());
            pending
                .ids
                .iter()
                .any(|p| p.consumer == me && p.last_delivered_ms >= 100)
        };
        if let Some(i) = children.0.iter().position(holds) {
            break children.0.swap_remove(i);
        }
        if Instant::now() > deadline {
            return Err("no worker took a task".into());
        }
        thread::sleep(Duration::from_millis(20));
    };
    let _ = victim.kill(); // SIGKILL where there are signals: no chance to ack
    victim.wait()?;
    let after = CLAIM_AFTER.as_secs();
    println!(
        "Killed worker {} while it held a task: another worker takes it after {after} s",
        victim.id()
    );
    for child in &mut children.0 {
        let status = wait(child, deadline)?;
        if !status.success() {
            return Err(format!("process {} failed ({status})", child.id()).into());
        }
    }
    Ok(())
}

/// Waits for `child` to exit, until `deadline`.
fn wait(child: &mut Child, deadline: Instant) -> Result<ExitStatus, Box<dyn Error>> {
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(status);
        }
        if Instant::now() > deadline {
            return Err(format!("process {} still running", child.id()).into());
        }
        thread::sleep(Duration::from_millis(20));
    }
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

/// A redis-server on 127.0.0.1 with a fresh password, in a temporary directory, saving
/// nothing to disk. Dropping it stops it, reaps it and removes the directory.
struct RedisServer {
    process: Child,
    dir: PathBuf,
    port: u16,
    url: String,
}

impl RedisServer {
    /// `None` if redis-server is not installed.
    fn start() -> Result<Option<RedisServer>, Box<dyn Error>> {
        // Free now: the server binds it in a moment (if another process wins that race,
        // the server exits and we say so).
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let password = format!("{:032x}", rand::random::<u128>());
        let dir = std::env::temp_dir().join(format!("broker-demo-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let config = format!(
            "bind 127.0.0.1\nport {port}\nrequirepass {password}\nsave \"\"\nappendonly no\ndir \"{}\"\n",
            dir.display()
        );
        // `redis-server -` reads its settings from stdin, where `ps` cannot see the password.
        let spawned = Command::new("redis-server")
            .arg("-")
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn();
        let process = match spawned {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                std::fs::remove_dir(&dir)?;
                return Ok(None);
            }
            spawned => spawned?,
        };
        let url = format!("redis://:{password}@127.0.0.1:{port}");
        let mut server = RedisServer {
            process,
            dir,
            port,
            url,
        };
        let mut stdin = server.process.stdin.take().expect("stdin was piped above");
        stdin.write_all(config.as_bytes())?;
        drop(stdin); // end of file: it starts once it has read every setting
        let deadline = Instant::now() + Duration::from_secs(10);
        while connect(&server.url).is_err() {
            if let Some(status) = server.process.try_wait()? {
                return Err(format!("redis-server exited ({status})").into());
            }
            if Instant::now() > deadline {
                return Err("redis-server did not start within 10 s".into());
            }
            thread::sleep(Duration::from_millis(50));
        }
        Ok(Some(server))
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
