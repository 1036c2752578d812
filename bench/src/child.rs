//! This binary re-started in one of a group's child roles: `bench child GROUP ROLE`, where
//! ROLE is the JSON of the group's own role type (a typed enum, so a role is never matched on
//! its text), plus the pieces several groups share: reading a child's JSON, a server child,
//! and the peak memory a child reports.

use crate::Res;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// The hidden subcommand that starts a child role.
pub const SUBCOMMAND: &str = "child";

/// `exe child GROUP ROLE`, ready to be started.
pub fn command<R: Serialize>(exe: &Path, group: &str, role: &R) -> Command {
    let json = serde_json::to_string(role).expect("a role is plain data");
    let mut cmd = Command::new(exe);
    cmd.args([SUBCOMMAND, group, &json]);
    cmd
}

/// The role a child was started in.
pub fn parse<R: DeserializeOwned>(role: &str) -> Res<R> {
    serde_json::from_str(role).map_err(|e| format!("not a role of this group: {role} ({e})").into())
}

/// Runs a one-shot child and reads the JSON it prints; on failure, its last line of stderr.
pub fn json<R: Serialize>(exe: &Path, group: &str, role: &R) -> Result<Value, String> {
    let out = command(exe, group, role)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("starting the {group} child: {e}"))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        return Err(err.lines().last().unwrap_or("the child failed").to_string());
    }
    serde_json::from_slice(&out.stdout)
        .map_err(|e| format!("the {group} child printed bad JSON: {e}"))
}

/// A server child that prints the port it listens on as its first line; dropping it closes
/// its stdin, which stops it, and reaps it.
pub struct Server {
    child: Child,
    pub port: u16,
}

impl Server {
    pub fn start<R: Serialize>(exe: &Path, group: &str, role: &R) -> Res<Server> {
        let mut child = command(exe, group, role)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()?;
        let mut line = String::new();
        let out = child.stdout.take().ok_or("server has no stdout")?;
        BufReader::new(out).read_line(&mut line)?;
        match line.trim().parse() {
            Ok(port) => Ok(Server { child, port }),
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                Err(format!("the {group} server printed {line:?}, not a port").into())
            }
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.wait();
    }
}

/// Ends a server role when its stdin closes (the parent closed it or died), so a server never
/// outlives the bench that started it.
pub async fn stdin_closed() {
    let _ = tokio::task::spawn_blocking(|| {
        let _ = std::io::Read::read_to_end(&mut std::io::stdin(), &mut Vec::new());
    })
    .await;
}

/// Peak resident memory of this process so far, in KiB.
///
/// On Linux this is VmHWM, the high-water mark of the memory map made by exec: getrusage's
/// ru_maxrss would also count the parent's memory, because Command starts a child by sharing
/// the parent's memory until exec (vfork-style) and Linux carries that peak across exec.
#[cfg(target_os = "linux")]
pub fn peak_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[cfg(all(unix, not(target_os = "linux")))]
pub fn peak_kib() -> Option<u64> {
    use nix::sys::resource::{UsageWho, getrusage};
    let rss = getrusage(UsageWho::RUSAGE_SELF).ok()?.max_rss();
    // Linux reports KiB, macOS bytes.
    let kib = if cfg!(target_os = "macos") {
        rss / 1024
    } else {
        rss
    };
    u64::try_from(kib).ok()
}

#[cfg(not(unix))]
pub fn peak_kib() -> Option<u64> {
    None
}

/// Prints a one-shot child's figures: its answer, wall time and peak memory.
pub fn print_figures(answer: Value, wall: f64) {
    let peak = peak_kib().map_or(Value::Null, |k| serde_json::json!(k));
    println!(
        "{}",
        serde_json::json!({"answer": answer, "wall": wall, "peak_kib": peak})
    );
}
