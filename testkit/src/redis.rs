//! A real `redis-server` for a test: on a free 127.0.0.1 port, in a temporary directory,
//! with no persistence and an optional password; stopped, reaped and its directory removed
//! when the handle is dropped.

use std::io::Write;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use crate::twin::skip;

/// How long a fresh server may take to say it is ready.
const START_LIMIT: Duration = Duration::from_secs(10);
/// A free port can be taken by someone else before the server binds it: then it exits,
/// and another port is tried.
const TRIES: usize = 3;

/// A running `redis-server`; dropping it stops it.
pub struct RedisServer {
    process: Child,
    dir: PathBuf,
    pub port: u16,
    password: Option<String>,
}

impl RedisServer {
    /// Starts a server, or returns `None` after printing a `skipped:` line for `test` when
    /// `redis-server` is not installed. Panics if it is installed but does not start.
    pub fn start(test: &str, password: Option<&str>) -> Option<RedisServer> {
        for _ in 0..TRIES {
            match Self::try_start(password) {
                Ok(server) => return Some(server),
                Err(Missing) => {
                    skip(
                        test,
                        "no redis-server on PATH (apt-get install redis-server)",
                    );
                    return None;
                }
                Err(Exited) => continue,
            }
        }
        panic!("redis-server exited at start {TRIES} times (is something taking its ports?)");
    }

    /// `redis://[:PASSWORD@]127.0.0.1:PORT`, with the password given to [`start`](Self::start).
    pub fn url(&self) -> String {
        self.url_with_password(self.password.as_deref())
    }

    /// This server's URL with another password, or none.
    pub fn url_with_password(&self, password: Option<&str>) -> String {
        match password {
            Some(p) => format!("redis://:{p}@127.0.0.1:{}", self.port),
            None => format!("redis://127.0.0.1:{}", self.port),
        }
    }

    fn try_start(password: Option<&str>) -> Result<RedisServer, StartError> {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("the loopback interface has a free port")
            .port();
        let dir = std::env::temp_dir().join(format!("testkit-redis-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("the temp dir is writable");
        let log = dir.join("redis.log");
        // The settings go in on stdin (`redis-server -`), so `ps` shows no password.
        let mut config = format!(
            "bind 127.0.0.1\nport {port}\nsave \"\"\nappendonly no\ndir \"{}\"\nlogfile \"{}\"\n",
            dir.display(),
            log.display()
        );
        if let Some(p) = password {
            config.push_str(&format!("requirepass {p}\n"));
        }
        let spawned = Command::new("redis-server")
            .arg("-")
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        let process = match spawned {
            Ok(process) => process,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let _ = std::fs::remove_dir_all(&dir);
                return Err(Missing);
            }
            Err(e) => panic!("redis-server does not start: {e}"),
        };
        // From here on, dropping `server` stops the process and removes the directory.
        let mut server = RedisServer {
            process,
            dir,
            port,
            password: password.map(str::to_string),
        };
        let mut stdin = server.process.stdin.take().expect("stdin was piped above");
        stdin
            .write_all(config.as_bytes())
            .expect("redis-server reads its settings");
        drop(stdin); // end of file: the server starts once it has read them all
        let start = Instant::now();
        loop {
            let said = std::fs::read_to_string(&log).unwrap_or_default();
            if said.to_lowercase().contains("ready to accept connections") {
                return Ok(server);
            }
            if server
                .process
                .try_wait()
                .expect("redis-server can be waited for")
                .is_some()
            {
                return Err(Exited);
            }
            assert!(
                start.elapsed() < START_LIMIT,
                "redis-server not ready after {START_LIMIT:?}; its log:\n{said}"
            );
            thread::sleep(Duration::from_millis(20));
        }
    }
}

enum StartError {
    Missing,
    Exited,
}
use StartError::{Exited, Missing};

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.process.kill(); // does nothing to a child already reaped
        let _ = self.process.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
