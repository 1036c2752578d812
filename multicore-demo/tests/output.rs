//! The figures multicore-demo prints are real, and its Rust threads use several cores.

// Unix only: the checks read CPU time with getrusage, as the demo does.
#![cfg(unix)]

use std::os::unix::process::CommandExt;
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, Instant};

const EXE: &str = env!("CARGO_BIN_EXE_multicore-demo");
/// The demo's SHORT: up to a quarter of a core less than asked is not called fewer.
const SHORT: f64 = 0.25;

/// The tests take turns: run side by side they would share the cores and each would see
/// less, and the user-time count of this process's children would mix their runs.
static CORES: Mutex<()> = Mutex::new(());

fn take_turn() -> MutexGuard<'static, ()> {
    CORES
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn cores() -> usize {
    thread::available_parallelism()
        .expect("the cores can be counted")
        .get()
}

/// User CPU time of this process's finished children so far.
fn children_user_time() -> Duration {
    use nix::sys::resource::{UsageWho, getrusage};
    use nix::sys::time::TimeValLike;
    let usage = getrusage(UsageWho::RUSAGE_CHILDREN).expect("getrusage works on Unix");
    Duration::from_micros(
        usage
            .user_time()
            .num_microseconds()
            .try_into()
            .expect("CPU time is not negative"),
    )
}

/// Threads on the whole machine ready to run right now (Linux: /proc/loadavg, 4th field).
fn runnable_now() -> Option<f64> {
    let loadavg = std::fs::read_to_string("/proc/loadavg").ok()?;
    let field = loadavg.split_whitespace().nth(3)?;
    field.split('/').next()?.parse().ok()
}

/// A finished run of the demo: its stdout, the user CPU time the OS counted for it, its
/// wall time, and the average number of other threads ready to run meanwhile (the
/// competition for the cores; `None` where the system does not tell).
struct Run {
    stdout: String,
    user: Duration,
    wall: Duration,
    others: Option<f64>,
}

fn run() -> Run {
    let before = children_user_time();
    let start = Instant::now();
    let mut child = Command::new(EXE)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the demo starts");
    let mut samples = Vec::new();
    let limit = Duration::from_secs(15);
    while child
        .try_wait()
        .expect("the demo can be waited for")
        .is_none()
    {
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the demo still ran after {limit:?}");
        }
        if let Some(n) = runnable_now() {
            // Beside the demo's own threads (at most one per core) and this test's.
            samples.push((n - cores() as f64 - 1.0).max(0.0));
        }
        thread::sleep(Duration::from_millis(50));
    }
    let wall = start.elapsed();
    // The output is three short lines: the pipes cannot have filled while we polled.
    let Output {
        status,
        stdout,
        stderr,
    } = child.wait_with_output().expect("the output can be read");
    let stderr = String::from_utf8_lossy(&stderr);
    assert!(status.success(), "exit {status:?}: {stderr}");
    let others = (!samples.is_empty()).then(|| samples.iter().sum::<f64>() / samples.len() as f64);
    let user = children_user_time() - before;
    Run {
        stdout: String::from_utf8(stdout).expect("the demo prints UTF-8"),
        user,
        wall,
        others,
    }
}

/// The CPU use figure, in percent, on the line for `threads` threads.
fn percent(stdout: &str, threads: usize) -> f64 {
    let prefix = format!("cores: {}, threads: {threads}, CPU use: ", cores());
    let rest = testkit::line_after(stdout, &prefix);
    rest.strip_suffix('%')
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{stdout}"))
}

/// Checks what is true on every run, busy machine or not, and returns the N-thread figure.
fn check_figures(run: &Run) -> f64 {
    let cores = cores();
    let (one, all) = (percent(&run.stdout, 1), percent(&run.stdout, cores));
    // Each figure is a real share of its threads' time: one core at most for one thread.
    assert!(one > 0.0 && one <= 110.0, "{}", run.stdout);
    assert!(all > 0.0 && all <= cores as f64 * 110.0, "{}", run.stdout);
    // Both runs last the same time, so their mean is the whole process's CPU use, which the
    // OS counted too: a unit mix-up or CPU time not counted for every thread falls outside.
    let counted = run.user.as_secs_f64() / run.wall.as_secs_f64() * 100.0;
    let printed = (one + all) / 2.0;
    assert!(
        (printed - counted).abs() <= 15.0 + 0.1 * counted,
        "the demo printed {printed:.0}% on average, the OS counted {counted:.0}%:\n{}",
        run.stdout
    );
    // The last line says how many cores the threads got, and whether that is fewer than asked.
    let got: f64 = testkit::line_after(&run.stdout, "cores used at once: ")
        .split(' ')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{}", run.stdout));
    assert!((got - all / 100.0).abs() < 0.01, "{}", run.stdout);
    let tail = format!("{got:.2} of {cores}: ");
    let fewer = got < cores as f64 - SHORT;
    if (got - (cores as f64 - SHORT)).abs() > 0.01 {
        let said = testkit::line_after(&run.stdout, "cores used at once: ");
        let expected = if fewer {
            "the machine gave fewer than asked (other programs were using the rest)"
        } else {
            "every thread had a core of its own"
        };
        assert_eq!(said, format!("{tail}{expected}"), "{}", run.stdout);
    }
    all
}

#[test]
fn the_printed_figures_agree_with_the_cpu_time_the_os_counted() {
    let _turn = take_turn();
    check_figures(&run());
}

#[test]
fn rust_threads_use_more_than_one_core() {
    let _turn = take_turn();
    let cores = cores();
    if cores < 2 {
        eprintln!("not checked: this machine has one core");
        return;
    }
    // Above 100% means two threads ran at the same moment (the target on an idle machine is
    // cores x 100%). Other programs may hold the cores, so a try counts against the demo only
    // if, on average, less than half a thread of other work was ready to run beside it.
    let mut calm_tries = Vec::new();
    for _ in 0..5 {
        let run = run();
        let cpu = check_figures(&run);
        if cpu > 100.0 {
            return;
        }
        if run.others.is_none_or(|others| others < 0.5) {
            calm_tries.push((cpu, run.others));
        }
    }
    assert!(
        calm_tries.is_empty(),
        "CPU use (and other runnable threads) with {cores} cores, on a calm machine: {calm_tries:?}"
    );
    eprintln!("not checked: the machine was too busy to show parallel threads");
}

#[test]
fn on_a_busy_machine_it_says_it_got_fewer_cores_than_asked() {
    let _turn = take_turn();
    // Keep every core busy from here while the demo runs: its threads can then have only
    // part of the machine.
    let stop = AtomicBool::new(false);
    let run = thread::scope(|s| {
        for _ in 0..cores() {
            s.spawn(|| {
                while !stop.load(Ordering::Relaxed) {
                    std::hint::spin_loop();
                }
            });
        }
        let run = run();
        stop.store(true, Ordering::Relaxed);
        run
    });
    check_figures(&run);
    let said = testkit::line_after(&run.stdout, "cores used at once: ");
    assert!(
        said.ends_with("the machine gave fewer than asked (other programs were using the rest)"),
        "{}",
        run.stdout
    );
}

#[test]
fn killed_after_its_first_line_it_leaves_no_process_behind() {
    let _turn = take_turn();
    // Its own process group, so any process it started would be found in it.
    let mut child = Command::new(EXE)
        .process_group(0)
        .stdout(Stdio::piped())
        .spawn()
        .expect("the demo starts");
    // Once the first figure is printed, it is busy with the next run: kill it then (or
    // after a time limit, if it never prints).
    let stdout = child.stdout.take().expect("stdout was piped above");
    let (line, first) = std::sync::mpsc::channel();
    thread::spawn(move || {
        let mut first = String::new();
        let _ = std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut first);
        let _ = line.send(first);
    });
    let first = first.recv_timeout(Duration::from_secs(15));
    let group = child.id();
    child.kill().expect("the demo can be killed");
    child.wait().expect("the demo can be reaped");
    let first = first.expect("a first line within the time limit");
    assert!(first.starts_with("cores: "), "{first}");
    let left = testkit::group_members(group);
    if !left.is_empty() {
        let group = nix::unistd::Pid::from_raw(group.try_into().expect("a PID fits"));
        let _ = nix::sys::signal::killpg(group, nix::sys::signal::Signal::SIGKILL);
        panic!("the killed demo left processes {left:?} running");
    }
}
