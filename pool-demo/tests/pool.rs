//! Runs the real pool-demo binary and checks what it exists to show.

use std::collections::HashSet;
use std::time::Duration;

const EXE: &str = env!("CARGO_BIN_EXE_pool-demo");

/// One stamped line: `[ 123 ms] Run task 4 (671)...` or `[ 456 ms] Task 4 runs 0.33 seconds.`
#[derive(Debug)]
enum Stamped {
    Start { ms: u64, task: u32, pid: u32 },
    End { ms: u64, task: u32 },
}

fn parse(line: &str) -> Option<Stamped> {
    let (ms, rest) = line.strip_prefix('[')?.split_once(" ms] ")?;
    let ms = ms.trim().parse().ok()?;
    if let Some(rest) = rest.strip_prefix("Run task ") {
        let (task, pid) = rest.strip_suffix(")...")?.split_once(" (")?;
        return Some(Stamped::Start {
            ms,
            task: task.parse().ok()?,
            pid: pid.parse().ok()?,
        });
    }
    let (task, _) = rest.strip_prefix("Task ")?.split_once(" runs ")?;
    Some(Stamped::End {
        ms,
        task: task.parse().ok()?,
    })
}

fn run() -> (String, Vec<Stamped>) {
    let out = testkit::run_within(EXE, &[], Duration::from_secs(60));
    assert_eq!(out.code, Some(0), "{out:?}");
    let text = out.stdout;
    let stamped = text.lines().filter_map(parse).collect();
    (text, stamped)
}

#[test]
fn five_tasks_run_on_at_most_four_worker_processes() {
    let (text, lines) = run();
    let parent: u32 = text
        .lines()
        .find_map(|l| l.strip_prefix("Parent process ")?.strip_suffix('.'))
        .unwrap()
        .parse()
        .unwrap();
    let mut tasks = HashSet::new();
    let mut pids = HashSet::new();
    for line in &lines {
        if let Stamped::Start { task, pid, .. } = line {
            tasks.insert(*task);
            pids.insert(*pid);
        }
    }
    assert_eq!(tasks, (0..5).collect(), "every task started once:\n{text}");
    let mut ended = HashSet::new();
    for (i, line) in lines.iter().enumerate() {
        if let Stamped::End { task, .. } = line {
            let started_before = lines[..i]
                .iter()
                .any(|l| matches!(l, Stamped::Start { task: t, .. } if t == task));
            assert!(
                started_before,
                "task {task} ended before it started:\n{text}"
            );
            ended.insert(*task);
        }
    }
    assert_eq!(ended, tasks, "every task ended:\n{text}");
    assert!(
        pids.len() <= 4,
        "5 tasks on at most 4 workers, got {pids:?}:\n{text}"
    );
    assert!(
        !pids.contains(&parent),
        "tasks run in worker processes, not the parent"
    );
    assert!(
        text.trim_end()
            .lines()
            .any(|l| l == "All subprocesses done."),
        "{text}"
    );
}

#[test]
fn fifth_task_waits_for_a_worker_to_finish_a_task() {
    let (text, lines) = run();
    let starts: Vec<usize> = (0..lines.len())
        .filter(|&i| matches!(lines[i], Stamped::Start { .. }))
        .collect();
    assert_eq!(starts.len(), 5, "{text}");
    let fifth = starts[4];
    let Stamped::Start {
        ms: fifth_ms,
        pid: fifth_pid,
        ..
    } = lines[fifth]
    else {
        unreachable!()
    };

    // The fifth task runs in a worker that had already run a task, and that
    // task ended before the fifth started: a fifth process was never made.
    let earlier_on_same_worker: Vec<u32> = lines[..fifth]
        .iter()
        .filter_map(|l| match l {
            Stamped::Start { task, pid, .. } if *pid == fifth_pid => Some(*task),
            _ => None,
        })
        .collect();
    let freed_by = lines[..fifth].iter().find_map(|l| match l {
        Stamped::End { ms, task } if earlier_on_same_worker.contains(task) => Some(*ms),
        _ => None,
    });
    let freed_ms = freed_by
        .unwrap_or_else(|| panic!("the fifth task started on a worker that was not free:\n{text}"));
    // And by the clock (each stamp is taken when the parent reads the line).
    assert!(
        fifth_ms >= freed_ms,
        "fifth start {fifth_ms} ms < its worker's previous end {freed_ms} ms:\n{text}"
    );
}

#[test]
fn map_squares_through_the_pool() {
    let (text, _) = run();
    assert!(
        text.lines()
            .any(|l| l == "Pool.map(x * x, [1, 2, 3, 4, 5]) = [1, 4, 9, 16, 25]"),
        "{text}"
    );
}

#[test]
fn bad_argument_fails_with_one_error_line() {
    testkit::assert_usage_error(EXE, &["--bogus"]);
}
