//! io group: N concurrent waits, and N concurrent HTTP requests to a slow local server; each
//! variant runs in a fresh process so its peak memory is its own.

use crate::Res;
use crate::config::{Cfg, Mode};
use crate::row::{Cell, Key, Row, find};
use crate::stats::Fig;
use crate::targets::{Target, check, mib, sig, times};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::pin::Pin;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

/// More OS threads than this are not started: each has its own stack and kernel task, and a
/// shared machine (or a low `ulimit -u`) may refuse long before 100k. The quick run stops at
/// 1000 to stay short (10k threads take seconds to start in Python).
pub fn thread_limit(mode: Mode) -> usize {
    mode.pick(1_000, 1_000, 10_000)
}

/// N levels of the waits. The quick run skips 10k: 100k is the one its targets judge.
pub fn counts(mode: Mode) -> Vec<usize> {
    mode.pick(
        vec![10, 100],
        vec![1_000, 100_000],
        vec![1_000, 10_000, 100_000, 1_000_000],
    )
}

/// Connections at once: each is a socket on both sides, so far fewer than waits. The quick
/// run leaves HTTP to the full run: no target reads it.
pub fn http_counts(mode: Mode) -> Vec<usize> {
    mode.pick(vec![20], vec![], vec![100, 1_000, 5_000])
}

/// The most asyncio tasks a quick run starts: gathering 100k of them takes CPython seconds a
/// run, longer than the rest of the group together; the full run measures every N.
fn asyncio_limit(mode: Mode) -> usize {
    mode.pick(usize::MAX, 10_000, usize::MAX)
}

pub fn delay_ms(mode: Mode) -> u64 {
    mode.pick(10, 100, 100)
}

/// One io measurement: N waits or N HTTP requests, by tasks or by threads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Case {
    Tokio,
    Threads,
    HttpTokio,
    HttpThreads,
}

impl Case {
    pub const WAITS: [Case; 2] = [Case::Tokio, Case::Threads];
    pub const HTTP: [Case; 2] = [Case::HttpTokio, Case::HttpThreads];

    /// The role name of `bench __io`.
    pub fn role(self) -> &'static str {
        match self {
            Case::Tokio => "tokio",
            Case::Threads => "threads",
            Case::HttpTokio => "http-tokio",
            Case::HttpThreads => "http-threads",
        }
    }

    /// io.py's variant doing the same.
    pub fn python(self) -> &'static str {
        match self {
            Case::Tokio => "asyncio",
            Case::Threads => "threads",
            Case::HttpTokio => "http-asyncio",
            Case::HttpThreads => "http-threads",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Case::Tokio => "tokio tasks",
            Case::Threads => "OS threads",
            Case::HttpTokio => "tokio tasks, HTTP",
            Case::HttpThreads => "OS threads, HTTP",
        }
    }

    fn python_label(self) -> &'static str {
        match self {
            Case::Tokio => "Python asyncio",
            Case::Threads => "Python threads",
            Case::HttpTokio => "Python asyncio, HTTP",
            Case::HttpThreads => "Python threads, HTTP",
        }
    }

    fn threads(self) -> bool {
        matches!(self, Case::Threads | Case::HttpThreads)
    }

    fn http(self) -> bool {
        matches!(self, Case::HttpTokio | Case::HttpThreads)
    }
}

pub fn planned(cfg: &Cfg) -> u64 {
    ((counts(cfg.mode).len() + http_counts(cfg.mode).len()) * 2 * 2) as u64
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

/// The helper role: `n` concurrent waits of ARG ms (tokio, threads) or `n` concurrent requests
/// to the server on port ARG (http-tokio, http-threads); prints the count done, the wall time
/// and the process's peak resident memory as JSON on stdout.
pub fn role(args: &[String]) -> Res<()> {
    let [variant, n, arg] = args else {
        return Err("usage: __io tokio|threads|http-tokio|http-threads N DELAY_MS|PORT".into());
    };
    let n: usize = n.parse()?;
    let delay = Duration::from_millis(arg.parse()?);
    let port: u16 = arg.parse().unwrap_or(0);
    let (answer, wall) = match variant.as_str() {
        "tokio" => waits_in_tokio(n, delay)?,
        "http-tokio" => {
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
        "threads" | "http-threads" => {
            let http = variant == "http-threads";
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
        other => return Err(format!("unknown io variant {other}").into()),
    };
    let peak = peak_kib().map_or(Value::Null, |k| json!(k));
    println!(
        "{}",
        json!({"answer": answer, "wall": wall.as_secs_f64(), "peak_kib": peak})
    );
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

/// The helper role `__http-server DELAY_MS`: answers every request after DELAY_MS (a slow
/// backend), prints its port on stdout, and stops when its stdin closes (so it never outlives
/// the bench that started it).
pub fn server_role(args: &[String]) -> Res<()> {
    let delay = Duration::from_millis(
        args.first()
            .ok_or("usage: __http-server DELAY_MS")?
            .parse()?,
    );
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
        // stdin reaching EOF (the parent closed it or died) ends the server.
        let stdin_closed = tokio::task::spawn_blocking(|| {
            let mut sink = Vec::new();
            let _ = std::io::stdin().read_to_end(&mut sink);
        });
        tokio::select! {
            () = serve => {}
            _ = stdin_closed => {}
        }
        Ok::<_, std::io::Error>(())
    })?;
    Ok(())
}

/// The server child; dropping it closes its stdin, which stops it, and reaps it.
pub struct Server {
    child: Child,
    pub port: u16,
}

impl Server {
    pub fn start(exe: &std::path::Path, delay_ms: u64) -> Res<Server> {
        Server::spawn(exe, &["__http-server", &delay_ms.to_string()])
    }

    /// A server child, `exe ARGS`, that prints the port it listens on as its first line.
    pub fn spawn(exe: &std::path::Path, args: &[&str]) -> Res<Server> {
        let mut child = Command::new(exe)
            .args(args)
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
                Err(format!("the {args:?} server printed {line:?}, not a port").into())
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

/// Starts `exe __io VARIANT N ARG` and reads the JSON it prints.
pub fn child(exe: &std::path::Path, variant: &str, n: usize, arg: u64) -> Result<Value, String> {
    let out = Command::new(exe)
        .args(["__io", variant, &n.to_string(), &arg.to_string()])
        .output()
        .map_err(|e| format!("starting the io child: {e}"))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        return Err(err.lines().last().unwrap_or("io child failed").to_string());
    }
    serde_json::from_slice(&out.stdout).map_err(|e| format!("io child printed bad JSON: {e}"))
}

pub fn python_once(cfg: &Cfg, variant: &str, n: usize, arg: u64) -> Result<Value, String> {
    let args = [variant.to_string(), n.to_string(), arg.to_string()];
    crate::python::run(cfg, crate::group::Group::Io, &args)
}

/// Runs a one-shot child `repeats` times and gathers wall time and peak memory figures.
pub fn gather(
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

/// Measures one (Rust, Python) pair at one N; `arg` is the delay or the server's port.
fn pair(cfg: &Cfg, n: usize, case: Case, arg: u64) -> Row {
    let (rust, py) = (case.role(), case.python());
    let item = if case.http() {
        format!("HTTP, N = {n}")
    } else {
        format!("N = {n}")
    };
    let mut row = Row::new(Key::Io { case, n }, item, case.label());
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
        row.notes.push(format!("Rust: {}", skipped()));
    } else {
        match gather(cfg.runs.repeats, || child(&cfg.exe, rust, n, arg)) {
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

pub fn run(cfg: &Cfg) -> Res<Vec<Row>> {
    let delay = delay_ms(cfg.mode);
    let counts = counts(cfg.mode);
    let smallest = counts.first().copied().unwrap_or(1);
    // Warm-up: one throw-away child per variant at the smallest N loads the binaries and
    // interpreter into the page cache; each measured child then starts from the same state.
    if cfg.runs.warmup > 0 {
        cfg.step("io warm-up");
        for case in Case::WAITS {
            let _ = child(&cfg.exe, case.role(), smallest, delay);
            let _ = python_once(cfg, case.python(), smallest, delay);
        }
    }
    let mut rows = Vec::new();
    for &n in &counts {
        for case in Case::WAITS {
            rows.push(pair(cfg, n, case, delay));
        }
    }
    let http = http_counts(cfg.mode);
    if http.is_empty() {
        return Ok(rows);
    }
    cfg.step("io: starting the local HTTP server");
    let server = Server::start(&cfg.exe, delay)?;
    for &n in &http {
        for case in Case::HTTP {
            rows.push(pair(cfg, n, case, u64::from(server.port)));
        }
    }
    drop(server);
    Ok(rows)
}

pub fn targets(rows: &[Row], _cfg: &Cfg) -> Vec<Target> {
    let tokio = |n| {
        find(
            rows,
            Key::Io {
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
