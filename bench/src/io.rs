//! io group: N concurrent waits, and N concurrent HTTP requests to a slow local server; each
//! variant runs in a fresh process so its peak memory is its own.

use crate::Res;
use crate::charts::Series;
use crate::config::{Cfg, Mode};
use crate::group::{Check, Group};
use crate::python::Script;
use crate::report::{opt_cell, peak};
use crate::row::{Cell, Row, find};
use crate::stats::Fig;
use crate::targets::{Target, check, mib, sig, times};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::io::{Read, Write};
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

const NAME: &str = "io";
const SCRIPT: Script = Script {
    name: "io.py",
    text: include_str!("../python/io.py"),
};

/// What this binary does when restarted by the io group.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
enum Role {
    /// `n` concurrent waits of `arg` ms (tokio, threads) or `n` concurrent requests to the
    /// server on port `arg` (the HTTP cases); prints the count done, the wall time and the
    /// process's peak resident memory as JSON.
    Run { case: Case, n: usize, arg: u64 },
    /// Answers every request after `delay_ms` (a slow backend), prints its port, and stops
    /// when its stdin closes.
    HttpServer { delay_ms: u64 },
}

/// A row: the case and N.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Key {
    case: Case,
    n: usize,
}

pub struct Io;

impl Group for Io {
    fn name(&self) -> &'static str {
        NAME
    }

    fn planned(&self, cfg: &Cfg) -> u64 {
        let joined: usize = Case::JOINED
            .iter()
            .map(|&c| joined_counts(cfg.mode, c).len())
            .sum();
        ((counts(cfg.mode).len() + http_counts(cfg.mode).len()) * 2 * 2 + joined) as u64
    }

    fn run(&self, cfg: &Cfg) -> Res<Vec<Row>> {
        run(cfg)
    }

    fn targets(&self, rows: &[Row], _cfg: &Cfg) -> Vec<Target> {
        targets(rows)
    }

    fn table(&self, rows: &[Row], _cfg: &Cfg) -> String {
        table(rows)
    }

    fn charts(&self, rows: &[Row], _cfg: &Cfg, dir: &Path) -> Res<Vec<&'static str>> {
        let wall = [
            "io: wall time against N concurrent waits",
            "N (concurrent waits)",
            "wall time, s",
        ];
        crate::charts::log_lines(&series(rows, false), wall, &dir.join("io_wall.svg"))?;
        let memory = [
            "io: peak memory of the process against N concurrent waits",
            "N (concurrent waits)",
            "peak resident memory, MiB",
        ];
        crate::charts::log_lines(&series(rows, true), memory, &dir.join("io_memory.svg"))?;
        Ok(vec!["io_wall.svg", "io_memory.svg"])
    }

    fn child(&self, role: &str) -> Res<()> {
        match crate::child::parse(role)? {
            Role::Run { case, n, arg } => role_run(case, n, arg),
            Role::HttpServer { delay_ms } => server_role(delay_ms),
        }
    }

    fn checks(&self, exe: &Path) -> Res<Vec<Check>> {
        let mut out = Vec::new();
        for case in Case::WAITS {
            let rust = child(exe, case, 50, 5)?;
            out.push(Check {
                name: format!("io {}", case.name()),
                script: SCRIPT.name,
                args: vec![case.python().into(), "50".into(), "5".into()],
                rust: json!({ "answer": rust["answer"] }),
            });
        }
        // "PORT" in the Python arguments stands for a server the replaying side starts itself.
        let server = crate::child::Server::start(exe, NAME, &Role::HttpServer { delay_ms: 1 })?;
        for case in Case::HTTP {
            let rust = child(exe, case, 20, u64::from(server.port))?;
            out.push(Check {
                name: format!("io {}", case.name()),
                script: SCRIPT.name,
                args: vec![case.python().into(), "20".into(), "PORT".into()],
                rust: json!({ "answer": rust["answer"] }),
            });
        }
        Ok(out)
    }
}

/// The io table: wall time, peak memory and bytes per task on both sides.
fn table(rows: &[Row]) -> String {
    let lines: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            let mem_ratio = peak(&r.python_peak_mib)
                .zip(peak(&r.rust_peak_mib))
                .map(|(p, q)| p / q);
            let n = r.workers.unwrap_or(0);
            let per_task = |c: &Option<Cell>| {
                peak(c).map_or("—".into(), |m| format!("{:.0}", m * 1048576.0 / n as f64))
            };
            vec![
                n.to_string(),
                r.rust_variant.clone(),
                crate::report::cell(&r.rust),
                opt_cell(&r.rust_peak_mib),
                per_task(&r.rust_peak_mib),
                r.python_variant.clone().unwrap_or("—".into()),
                crate::report::cell(&r.python),
                opt_cell(&r.python_peak_mib),
                per_task(&r.python_peak_mib),
                crate::report::times(r.rust_advantage),
                crate::report::times(mem_ratio),
            ]
        })
        .collect();
    let header = [
        "N",
        "Rust",
        "wall",
        "peak memory",
        "bytes per task",
        "Python",
        "wall",
        "peak memory",
        "bytes per task",
        "Rust faster by",
        "Rust memory smaller by",
    ];
    crate::report::table(
        "io: N concurrent waits; wall time and peak memory of a fresh process per run; \
         bytes per task = peak memory / N",
        &header,
        &lines,
    )
}

/// Wall time or peak memory against N: a line per variant and side.
fn series(rows: &[Row], memory: bool) -> Vec<Series> {
    let mut out: Vec<Series> = Vec::new();
    for rust in [true, false] {
        for case in Case::WAITS
            .into_iter()
            .chain(Case::JOINED)
            .chain(Case::HTTP)
        {
            let mut points = Vec::new();
            let mut name = None;
            for r in rows
                .iter()
                .filter(|r| crate::row::key::<Key>(r).is_some_and(|k| k.case == case))
            {
                name = if rust {
                    Some(format!("Rust {}", r.rust_variant))
                } else {
                    r.python_variant.clone()
                };
                let cell = match (rust, memory) {
                    (true, false) => Some(&r.rust),
                    (false, false) => Some(&r.python),
                    (true, true) => r.rust_peak_mib.as_ref(),
                    (false, true) => r.python_peak_mib.as_ref(),
                };
                if let (Some(Cell::Fig(f)), Some(n)) = (cell, r.workers) {
                    points.push((n as f64, f.median));
                }
            }
            if let Some(name) = name {
                out.push((name, points));
            }
        }
    }
    out
}

/// More OS threads than this are not started: each has its own stack and kernel task, and a
/// shared machine (or a low `ulimit -u`) may refuse long before 100k. The quick run stops at
/// 1000 to stay short (10k threads take seconds to start in Python).
fn thread_limit(mode: Mode) -> usize {
    mode.pick(1_000, 1_000, 10_000)
}

/// N levels of the waits. The quick run skips 10k: 100k is the one its targets judge.
fn counts(mode: Mode) -> Vec<usize> {
    mode.pick(
        vec![10, 100],
        vec![1_000, 100_000],
        vec![1_000, 10_000, 100_000, 1_000_000],
    )
}

/// N of the one-task `join_all` rows (Rust only, full run): the unconstrained ones at 100k and
/// 1M; the budgeted one only at 100k, since it grows as N squared (163 s at 1M).
fn joined_counts(mode: Mode, case: Case) -> Vec<usize> {
    match case {
        Case::JoinAll => mode.pick(vec![100], vec![], vec![100_000]),
        _ => mode.pick(vec![100], vec![], vec![100_000, 1_000_000]),
    }
}

/// Connections at once: each is a socket on both sides, so far fewer than waits. The quick
/// run leaves HTTP to the full run: no target reads it.
fn http_counts(mode: Mode) -> Vec<usize> {
    mode.pick(vec![20], vec![], vec![100, 1_000, 5_000])
}

/// The most asyncio tasks a quick run starts: gathering 100k of them takes CPython seconds a
/// run, longer than the rest of the group together; the full run measures every N.
fn asyncio_limit(mode: Mode) -> usize {
    mode.pick(usize::MAX, 10_000, usize::MAX)
}

fn delay_ms(mode: Mode) -> u64 {
    mode.pick(10, 100, 100)
}

/// One io measurement: N waits or N HTTP requests, by tasks or by threads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
enum Case {
    Tokio,
    Threads,
    HttpTokio,
    HttpThreads,
    /// One task drives `join_all` over N sleeps on a current-thread runtime (Rust only).
    JoinAll,
    /// The same, with tokio's cooperative budget lifted (`task::unconstrained`).
    JoinAllUnconstrained,
    /// The same sleeps in groups of `GROUP`: `join_all` over inner `join_all`s, unconstrained.
    JoinAllGrouped,
}

impl Case {
    pub const WAITS: [Case; 2] = [Case::Tokio, Case::Threads];
    pub const HTTP: [Case; 2] = [Case::HttpTokio, Case::HttpThreads];
    pub const JOINED: [Case; 3] = [
        Case::JoinAll,
        Case::JoinAllUnconstrained,
        Case::JoinAllGrouped,
    ];

    /// Its name in checks and progress lines.
    fn name(self) -> &'static str {
        match self {
            Case::Tokio => "tokio",
            Case::Threads => "threads",
            Case::HttpTokio => "http-tokio",
            Case::HttpThreads => "http-threads",
            Case::JoinAll => "join_all",
            Case::JoinAllUnconstrained => "join_all-unconstrained",
            Case::JoinAllGrouped => "join_all-grouped",
        }
    }

    /// io.py's variant doing the same.
    fn python(self) -> &'static str {
        match self {
            Case::Tokio => "asyncio",
            Case::Threads => "threads",
            Case::HttpTokio => "http-asyncio",
            Case::HttpThreads => "http-threads",
            Case::JoinAll | Case::JoinAllUnconstrained | Case::JoinAllGrouped => "none",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Case::Tokio => "tokio tasks",
            Case::Threads => "OS threads",
            Case::HttpTokio => "tokio tasks, HTTP",
            Case::HttpThreads => "OS threads, HTTP",
            Case::JoinAll => "one task, `join_all` (current-thread)",
            Case::JoinAllUnconstrained => "one task, `join_all` in `unconstrained`",
            Case::JoinAllGrouped => "one task, `join_all` of `join_all`s of 30, in `unconstrained`",
        }
    }

    fn python_label(self) -> &'static str {
        match self {
            Case::Tokio => "Python asyncio",
            Case::Threads => "Python threads",
            Case::HttpTokio => "Python asyncio, HTTP",
            Case::HttpThreads => "Python threads, HTTP",
            Case::JoinAll | Case::JoinAllUnconstrained | Case::JoinAllGrouped => "—",
        }
    }

    fn threads(self) -> bool {
        matches!(self, Case::Threads | Case::HttpThreads)
    }

    fn http(self) -> bool {
        matches!(self, Case::HttpTokio | Case::HttpThreads)
    }
}

const REQUEST: &[u8] = b"GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";

/// One request over a fresh connection; true when the answer is a 200.
fn get_blocking(port: u16) -> std::io::Result<bool> {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port))?;
    s.write_all(REQUEST)?;
    let mut reply = Vec::new();
    s.read_to_end(&mut reply)?; // HTTP/1.0: the server closes when done
    Ok(reply.starts_with(b"HTTP/1.1 200"))
}

async fn get_async(port: u16) -> std::io::Result<bool> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port)).await?;
    s.write_all(REQUEST).await?;
    let mut reply = Vec::new();
    s.read_to_end(&mut reply).await?;
    Ok(reply.starts_with(b"HTTP/1.1 200"))
}

/// The `Run` role.
fn role_run(case: Case, n: usize, arg: u64) -> Res<()> {
    let delay = Duration::from_millis(arg);
    let port = u16::try_from(arg).unwrap_or(0);
    let (answer, wall) = match case {
        Case::Tokio => waits_in_tokio(n, delay)?,
        Case::JoinAll => waits_joined(n, delay, false)?,
        Case::JoinAllUnconstrained => waits_joined(n, delay, true)?,
        Case::JoinAllGrouped => waits_grouped(n, delay)?,
        Case::HttpTokio => {
            let rt = tokio::runtime::Runtime::new()?;
            rt.block_on(async {
                let start = Instant::now();
                let handles: Vec<tokio::task::JoinHandle<bool>> = (0..n)
                    .map(|_| tokio::spawn(async move { get_async(port).await.unwrap_or(false) }))
                    .collect();
                let mut done = 0u64;
                for h in handles {
                    done += u64::from(h.await?);
                }
                Ok::<_, tokio::task::JoinError>((done, start.elapsed()))
            })?
        }
        Case::Threads | Case::HttpThreads => {
            let http = case.http();
            let start = Instant::now();
            let mut handles = Vec::with_capacity(n);
            for _ in 0..n {
                handles.push(std::thread::Builder::new().spawn(move || {
                    if http {
                        get_blocking(port).unwrap_or(false)
                    } else {
                        std::thread::sleep(delay);
                        true
                    }
                })?);
            }
            let mut done = 0u64;
            for h in handles {
                done += u64::from(h.join().map_err(|_| "a waiting thread panicked")?);
            }
            (done, start.elapsed())
        }
    };
    crate::child::print_figures(json!(answer), wall.as_secs_f64());
    Ok(())
}

/// What the waiting tasks share: how many still sleep, and the signal that the last is done.
struct Countdown {
    left: AtomicU64,
    all_done: tokio::sync::Notify,
}

/// One waiting task's future: its `Sleep`, in a box of its own, and the shared countdown. Two
/// pointers, 16 bytes; an `async` block holding the same two takes 32 (its state and the
/// awaited future's slot), and the task cell would double (see `waits_in_tokio`).
struct Wait {
    sleep: Pin<Box<tokio::time::Sleep>>,
    countdown: Arc<Countdown>,
}

impl Future for Wait {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        std::task::ready!(self.sleep.as_mut().poll(cx));
        if self.countdown.left.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.countdown.all_done.notify_one(); // stores a permit if main is not waiting yet
        }
        Poll::Ready(())
    }
}

/// N tasks, each sleeping `delay`, all alive at once: where a task's bytes go.
///
/// A task is one allocation, its cell: a header, the future and a trailer, about 100 bytes
/// around the future, rounded up to a multiple of 128 (tokio aligns cells to 128 against false
/// sharing). A future of at most 24 bytes keeps the cell at 128; `Wait` is 16. Its `Sleep`
/// (112 bytes, with its timer entry) is a second allocation, which mimalloc serves from its
/// 128-byte class (Rust asks with an alignment, and mimalloc's aligned path rounds up): 256
/// bytes a task. Held inline instead, the Sleep made the future 152 bytes and the cell 256, and
/// a million tasks peaked at 276 MiB; now 252 MiB, of which 7 MiB is the process with no task
/// and 244 MiB the cells and Sleeps. Each Sleep is made at spawn, so all N tasks and their
/// Sleeps exist at once (made at a task's first poll, the first tasks would finish and free
/// theirs while the last are still being polled, and the peak would depend on the machine's
/// speed).
///
/// The rest is bookkeeping around the tasks, trimmed here: no `JoinHandle` per task (and a
/// handle keeps a finished task's cell until it is awaited) but one shared countdown; a
/// current-thread runtime with only the timer, where `Runtime::spawn` from outside queues the
/// tasks on an intrusive list (no allocation) and none runs before all exist, so all N are
/// truly concurrent (on a multi-thread runtime the first tasks finish while the last are
/// spawned). The timer wheel's lists run through the Sleeps themselves, so they cost nothing.
fn waits_in_tokio(n: usize, delay: Duration) -> Res<(u64, Duration)> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()?;
    let _in_runtime = rt.enter(); // a Sleep is made on a runtime's timer
    let countdown = Arc::new(Countdown {
        left: AtomicU64::new(n as u64),
        all_done: tokio::sync::Notify::new(),
    });
    let start = Instant::now();
    for _ in 0..n {
        rt.spawn(Wait {
            sleep: Box::pin(tokio::time::sleep(delay)),
            countdown: Arc::clone(&countdown),
        });
    }
    if n > 0 {
        // Every Sleep ends after `delay`: the deadline only keeps a broken run from hanging
        // (the tasks not done by then are reported).
        let deadline = delay + Duration::from_secs(30);
        let _ = rt.block_on(tokio::time::timeout(
            deadline,
            countdown.all_done.notified(),
        ));
    }
    let done = n as u64 - countdown.left.load(Ordering::Acquire);
    Ok((done, start.elapsed()))
}

/// N sleeps, all alive at once, as futures of one task that awaits `join_all` of them on a
/// current-thread runtime: no task per wait, so no task cell (the futures' slots in
/// `join_all`'s set are the cost).
///
/// tokio's cooperative budget gives a task 128 operations on tokio's resources per poll;
/// once they are spent, every further resource (a `Sleep` too) answers Pending and asks to
/// be polled again, so that one busy task yields to the others on its thread and cannot
/// starve them. A task that joins N futures spends the budget on its first 128 and each
/// poll gets through about 128 more, while `join_all` walks its woken futures again: the
/// work grows as N squared (100k took 1.4 s, 1M 163 s). `unconstrained` lifts the budget
/// for this one future, which is safe here because nothing else runs on the thread.
fn waits_joined(n: usize, delay: Duration, unconstrained: bool) -> Res<(u64, Duration)> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()?;
    let start = Instant::now();
    let done = rt.block_on(async {
        // Made straight into join_all's set: a Vec of them first would hold every Sleep
        // twice at the peak (a million of them: 107 MiB more).
        let all = futures::future::join_all((0..n).map(|_| tokio::time::sleep(delay)));
        let finished = if unconstrained {
            tokio::task::unconstrained(all).await
        } else {
            all.await
        };
        finished.len() as u64
    });
    Ok((done, start.elapsed()))
}

/// The most futures `futures::future::join_all` keeps in a plain slice: futures-util 0.3's
/// private `SMALL`, compared with the iterator's `size_hint` upper bound.
const GROUP: usize = 30;

/// N sleeps in one task again, as an outer `join_all` over inner `join_all`s of `GROUP`.
///
/// `join_all` keeps up to 30 futures in a boxed slice of `MaybeDone` slots, which it polls
/// whole at every wake; more than 30 go into its set, a node per future: the 112-byte `Sleep`
/// and its index, four links and a length, two flags and the node's reference counts, 184
/// bytes, served from mimalloc's 192-byte class. In a slice a sleep costs its slot, 112 bytes
/// (`MaybeDone` keeps its state in the `Sleep`'s spare bits), and the outer set holds one node
/// per 30 sleeps. In return a wake polls the 30 sleeps of its group where one would do. Under
/// the budget it is as quadratic as the flat join.
fn waits_grouped(n: usize, delay: Duration) -> Res<(u64, Duration)> {
    use futures::future::join_all;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()?;
    let start = Instant::now();
    let done = rt.block_on(async {
        let groups = (0..n).step_by(GROUP).map(|first| {
            join_all((first..n.min(first + GROUP)).map(|_| tokio::time::sleep(delay)))
        });
        let finished = tokio::task::unconstrained(join_all(groups)).await;
        finished.iter().map(Vec::len).sum::<usize>() as u64
    });
    Ok((done, start.elapsed()))
}

/// The `HttpServer` role.
fn server_role(delay_ms: u64) -> Res<()> {
    let delay = Duration::from_millis(delay_ms);
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let socket = tokio::net::TcpSocket::new_v4()?;
        socket.bind(([127, 0, 0, 1], 0).into())?;
        // A deep backlog: thousands of clients connect in the same millisecond.
        let listener = socket.listen(4096)?;
        println!("{}", listener.local_addr()?.port());
        std::io::stdout().flush()?;
        let serve = async {
            loop {
                let Ok((mut s, _)) = listener.accept().await else {
                    continue;
                };
                tokio::spawn(async move {
                    let mut buf = [0u8; 1024];
                    let _ = s.read(&mut buf).await;
                    tokio::time::sleep(delay).await;
                    let reply =
                        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
                    let _ = s.write_all(reply).await;
                });
            }
        };
        tokio::select! {
            () = serve => {}
            () = crate::child::stdin_closed() => {}
        }
        Ok::<_, std::io::Error>(())
    })?;
    Ok(())
}

/// Starts the `Run` role and reads the JSON it prints.
fn child(exe: &Path, case: Case, n: usize, arg: u64) -> Result<Value, String> {
    crate::child::json(exe, NAME, &Role::Run { case, n, arg })
}

fn python_once(cfg: &Cfg, variant: &str, n: usize, arg: u64) -> Result<Value, String> {
    let args = [variant.to_string(), n.to_string(), arg.to_string()];
    crate::pair::run(cfg, &SCRIPT, &args)
}

/// Runs a one-shot child `repeats` times and gathers wall time and peak memory figures.
fn gather(
    repeats: usize,
    once: impl Fn() -> Result<Value, String>,
) -> Result<(Fig, Option<Fig>, Value), String> {
    let (mut walls, mut peaks, mut answer) = (Vec::new(), Vec::new(), Value::Null);
    for _ in 0..repeats {
        let v = once()?;
        walls.push(v["wall"].as_f64().ok_or("no wall time in the output")?);
        if let Some(k) = v["peak_kib"].as_f64() {
            peaks.push(k / 1024.0);
        }
        answer = v["answer"].clone();
    }
    let peak = (!peaks.is_empty()).then(|| Fig::new("MiB", peaks));
    Ok((Fig::new("s", walls), peak, answer))
}

/// A Rust row with no Python counterpart: N waits of `delay` ms.
fn rust_only(cfg: &Cfg, n: usize, case: Case, delay: u64) -> Row {
    let mut row = Row::new(NAME, Key { case, n }, format!("N = {n}"), case.label());
    row.workers = Some(n);
    row.python = Cell::Absent;
    cfg.step(&format!("io N={n} Rust {}", case.name()));
    match gather(cfg.runs.repeats, || child(&cfg.exe, case, n, delay)) {
        Ok((wall, peak, answer)) => {
            row.rust = Cell::Fig(wall);
            row.rust_peak_mib = Some(peak.map_or(Cell::Na, Cell::Fig));
            row.rust_answer = answer;
        }
        Err(e) => {
            row.rust_peak_mib = Some(Cell::Na);
            row.notes.push(format!("Rust: {e}"));
        }
    }
    if case == Case::JoinAll && cfg.mode == Mode::Full {
        row.notes.push(
            "measured at 100k only: under tokio's budget one task joining N sleeps takes time \
             growing as N squared (163 s for 1M here)"
                .into(),
        );
    }
    if row.rust_answer != json!(n) && row.notes.is_empty() {
        row.notes
            .push(format!("Rust: only {} of {n} completed", row.rust_answer));
    }
    cfg.done();
    row.finish()
}

/// Measures one (Rust, Python) pair at one N; `arg` is the delay or the server's port.
fn pair(cfg: &Cfg, n: usize, case: Case, arg: u64) -> Row {
    let (rust, py) = (case.name(), case.python());
    let item = if case.http() {
        format!("HTTP, N = {n}")
    } else {
        format!("N = {n}")
    };
    let mut row = Row::new(NAME, Key { case, n }, item, case.label());
    row.python_variant = Some(case.python_label().to_string());
    row.workers = Some(n);
    let limit = thread_limit(cfg.mode);
    let skip = case.threads() && n > limit;
    let skipped = || {
        let why = if cfg.mode == Mode::Full {
            "safe limit"
        } else {
            "quick run's limit"
        };
        format!("skipped: {n} threads is above the {why} of {limit} (the full run goes to 10000)")
    };
    cfg.step(&format!("io N={n} Rust {rust}"));
    if skip {
        row.skipped = true;
        row.notes.push(format!("Rust: {}", skipped()));
    } else {
        match gather(cfg.runs.repeats, || child(&cfg.exe, case, n, arg)) {
            Ok((wall, peak, answer)) => {
                row.rust = Cell::Fig(wall);
                row.rust_peak_mib = Some(peak.map_or(Cell::Na, Cell::Fig));
                row.rust_answer = answer;
            }
            Err(e) => row.notes.push(format!("Rust: {e}")),
        }
    }
    cfg.done();
    cfg.step(&format!("io N={n} Python {py}"));
    let result = if skip {
        Err(skipped())
    } else if !case.threads() && n > asyncio_limit(cfg.mode) {
        Err(format!(
            "skipped: {n} asyncio tasks take seconds a run, above the quick run's limit of {} \
             (the full run measures them)",
            asyncio_limit(cfg.mode)
        ))
    } else {
        gather(cfg.runs.repeats, || python_once(cfg, py, n, arg))
    };
    match result {
        Ok((wall, peak, answer)) => {
            row.python = Cell::Fig(wall);
            row.python_peak_mib = Some(peak.map_or(Cell::Na, Cell::Fig));
            row.python_answer = answer;
        }
        Err(e) => {
            row.python = Cell::Na;
            row.python_peak_mib = Some(Cell::Na);
            row.skipped |= e.starts_with("skipped");
            row.notes.push(format!("Python: {e}"));
        }
    }
    if row.rust_peak_mib.is_none() {
        row.rust_peak_mib = Some(Cell::Na);
    }
    cfg.done();
    row.compare_answers();
    if row.rust_answer != json!(n) && !skip {
        row.notes
            .push(format!("Rust: only {} of {n} completed", row.rust_answer));
    }
    row.finish()
}

fn run(cfg: &Cfg) -> Res<Vec<Row>> {
    let delay = delay_ms(cfg.mode);
    let counts = counts(cfg.mode);
    let smallest = counts.first().copied().unwrap_or(1);
    // Warm-up: one throw-away child per variant at the smallest N loads the binaries and
    // interpreter into the page cache; each measured child then starts from the same state.
    if cfg.runs.warmup > 0 {
        cfg.step("io warm-up");
        for case in Case::WAITS {
            let _ = child(&cfg.exe, case, smallest, delay);
            let _ = python_once(cfg, case.python(), smallest, delay);
        }
    }
    let mut rows = Vec::new();
    for &n in &counts {
        for case in Case::WAITS {
            rows.push(pair(cfg, n, case, delay));
        }
    }
    for case in Case::JOINED {
        for n in joined_counts(cfg.mode, case) {
            rows.push(rust_only(cfg, n, case, delay));
        }
    }
    let http = http_counts(cfg.mode);
    if http.is_empty() {
        return Ok(rows);
    }
    cfg.step("io: starting the local HTTP server");
    let server =
        crate::child::Server::start(&cfg.exe, NAME, &Role::HttpServer { delay_ms: delay })?;
    for &n in &http {
        for case in Case::HTTP {
            rows.push(pair(cfg, n, case, u64::from(server.port)));
        }
    }
    drop(server);
    Ok(rows)
}

fn targets(rows: &[Row]) -> Vec<Target> {
    let tokio = |n| {
        find(
            rows,
            &Key {
                case: Case::Tokio,
                n,
            },
        )
    };
    let peak = |r: &Row| crate::report::peak(&r.rust_peak_mib);
    let mut out = vec![
        check(
            "io.tokio_100k_wall",
            "io: 100k waits of 100 ms in tokio, wall <= 0.25 s",
            tokio(100_000).and_then(|r| r.rust.median()),
            |v| format!("{} s", sig(v)),
            Some(&|v| v <= 0.25),
        ),
        check(
            "io.tokio_100k_memory",
            "io: 100k waits in tokio, peak memory <= 64 MiB",
            tokio(100_000).and_then(peak),
            mib,
            Some(&|v| v <= 64.0),
        ),
    ];
    let million = tokio(1_000_000);
    let per_task = million
        .and_then(peak)
        .map_or("n/a".into(), |m| format!("{:.0}", m * 1048576.0 / 1e6));
    out.push(check(
        "io.tokio_1m_memory",
        format!(
            "io: 1M waits in tokio (full run), peak memory <= 256 MiB ({per_task} bytes per task)"
        ),
        million.and_then(peak),
        mib,
        Some(&|v| v <= 256.0),
    ));
    // The best way to hold a million waits: one task each, or one task joining them all.
    let best = [
        Case::Tokio,
        Case::JoinAllUnconstrained,
        Case::JoinAll,
        Case::JoinAllGrouped,
    ]
    .into_iter()
    .filter_map(|case| {
        let r = find(rows, &Key { case, n: 1_000_000 })?;
        Some((case, peak(r)?, r.rust.median()?))
    })
    .min_by(|a, b| a.1.total_cmp(&b.1));
    out.push(check(
        "io.million_best_memory",
        "io: 1M waits (full run), the best of tokio::spawn per wait and one task joining them, \
         peak memory <= 190 MiB (published: 213.6 MB, 207 MB)",
        best.map(|b| b.1),
        |v| match best {
            Some((case, _, wall)) => format!(
                "{} ({}, {:.0} bytes per task, wall {} s)",
                mib(v),
                case.label(),
                v * 1048576.0 / 1e6,
                sig(wall)
            ),
            None => "n/a".into(),
        },
        Some(&|v| v <= 190.0),
    ));
    out.push(check(
        "io.tokio_1m_vs_asyncio",
        "io: 1M waits (full run), tokio >= 3x less memory than asyncio",
        million.and_then(|r| {
            crate::report::peak(&r.python_peak_mib)
                .zip(peak(r))
                .map(|(p, q)| p / q)
        }),
        times,
        Some(&|v| v >= 3.0),
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_role_comes_back_as_it_was_sent() {
        let roles = [
            Role::Run {
                case: Case::JoinAllUnconstrained,
                n: 1_000_000,
                arg: 100,
            },
            Role::HttpServer { delay_ms: 5 },
        ];
        for role in roles {
            let json = serde_json::to_string(&role).expect("a role is plain data");
            let back: Role = crate::child::parse(&json).expect("its own JSON parses");
            assert_eq!(back, role);
        }
    }

    #[test]
    fn one_task_joins_every_wait_with_and_without_the_budget() {
        // 300 sleeps: more than the budget's 128, so the budgeted join needs several turns.
        for unconstrained in [false, true] {
            let (done, _) = waits_joined(300, Duration::from_millis(1), unconstrained)
                .expect("a current-thread runtime starts");
            assert_eq!(done, 300, "unconstrained: {unconstrained}");
        }
    }

    #[test]
    fn grouped_joins_count_every_wait_of_a_last_short_group() {
        // 301 sleeps: ten full groups of 30 and a last group of one.
        let (done, _) =
            waits_grouped(301, Duration::from_millis(1)).expect("a current-thread runtime starts");
        assert_eq!(done, 301);
    }
}
