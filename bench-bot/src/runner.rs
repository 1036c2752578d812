//! Runs the bench binary as a child process in its own process group, so that /cancel (or
//! the time limit) can kill it together with every process it started. The CPU work happens
//! in that process, not on the bot's runtime: the bot only awaits its pipes and its exit.

use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;
use tokio::sync::{mpsc, oneshot};

/// A full run takes about 8 minutes on 2 cores; past this it is stopped.
const RUN_LIMIT: Duration = Duration::from_secs(30 * 60);

pub enum Outcome {
    /// The targets table and the files bench wrote (results.json, results.md, charts).
    Done {
        table: String,
        files: Vec<PathBuf>,
        took: Duration,
    },
    Failed(String),
    Cancelled,
}

/// The words of `/bench ...` that bench may get: group names and --quick or --smoke. Any
/// other flag is refused, so that a chat cannot choose bench's --out or other options.
pub fn bench_args(words: &str) -> Result<Vec<String>, String> {
    let args: Vec<String> = words.split_whitespace().map(String::from).collect();
    for arg in &args {
        let group =
            arg.chars().all(|c| c.is_ascii_lowercase() || c == '-') && !arg.starts_with('-');
        if !(group || arg == "--quick" || arg == "--smoke") {
            return Err(format!(
                "{arg:?} is neither a group name nor --quick or --smoke"
            ));
        }
    }
    Ok(args)
}

/// BENCH_BIN, or the bench binary beside this program's own (where cargo builds both).
pub fn bench_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("BENCH_BIN") {
        return PathBuf::from(path);
    }
    let exe = std::env::current_exe().unwrap_or_default();
    exe.with_file_name("bench")
}

/// Runs `bench ARGS --out OUT`, sending its stderr lines as progress, until it ends, the
/// `cancel` sender is used or RUN_LIMIT passes.
pub async fn run(
    bin: &Path,
    args: &[String],
    out: &Path,
    progress: mpsc::UnboundedSender<String>,
    cancel: oneshot::Receiver<()>,
) -> Outcome {
    let started = Instant::now();
    let mut command = Command::new(bin);
    command.args(args).arg("--out").arg(out);
    command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    // Its own process group, whose id is the child's pid: killpg reaches its children too.
    command.as_std_mut().process_group(0);
    command.kill_on_drop(true);
    let mut child = match command.spawn() {
        Ok(child) => child,
        Err(e) => return Outcome::Failed(format!("could not start {}: {e}", bin.display())),
    };
    let group = Pid::from_raw(
        child
            .id()
            .and_then(|id| i32::try_from(id).ok())
            .unwrap_or(0),
    );
    let stderr = child.stderr.take().expect("stderr is piped");
    let reader = tokio::spawn(async move {
        let mut lines = BufReader::new(stderr).lines();
        let mut last = String::new();
        while let Ok(Some(line)) = lines.next_line().await {
            if !line.trim().is_empty() {
                let _ = progress.send(line.clone());
                last = line;
            }
        }
        last
    });
    let status = tokio::select! {
        status = child.wait() => Some(status),
        _ = cancel => None,
        _ = tokio::time::sleep(RUN_LIMIT) => Some(Err(std::io::Error::other(format!(
            "took longer than {} minutes and was stopped", RUN_LIMIT.as_secs() / 60)))),
    };
    // Whatever happened, no process of the run outlives it.
    let _ = killpg(group, Signal::SIGKILL);
    let _ = child.wait().await;
    let last = reader.await.unwrap_or_default();
    match status {
        None => Outcome::Cancelled,
        Some(Err(e)) => Outcome::Failed(e.to_string()),
        Some(Ok(s)) if !s.success() => Outcome::Failed(format!("bench {s}: {last}")),
        Some(Ok(_)) => match report(out) {
            Ok((table, files)) => Outcome::Done {
                table,
                files,
                took: started.elapsed(),
            },
            Err(e) => Outcome::Failed(format!("bench wrote no report in {}: {e}", out.display())),
        },
    }
}

/// The targets table from results.md, and the files to send: the report, then the charts.
fn report(out: &Path) -> std::io::Result<(String, Vec<PathBuf>)> {
    let markdown = std::fs::read_to_string(out.join("results.md"))?;
    let table: Vec<&str> = markdown
        .lines()
        .skip_while(|l| !l.starts_with("### targets"))
        .take_while(|l| l.starts_with('#') || l.starts_with('|') || l.is_empty())
        .collect();
    let mut charts: Vec<PathBuf> = std::fs::read_dir(out)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "svg"))
        .collect();
    charts.sort();
    let mut files = vec![out.join("results.json"), out.join("results.md")];
    files.extend(charts);
    Ok((table.join("\n").trim().to_string(), files))
}
