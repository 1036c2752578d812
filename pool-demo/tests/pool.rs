//! Runs the real pool-demo binary and checks what it exists to show.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

const EXE: &str = env!("CARGO_BIN_EXE_pool-demo");

/// A task line: `Run task 4 (671)...` or `Task 4 runs 0.33 seconds.`
#[derive(Debug, Clone, Copy, PartialEq)]
enum TaskLine {
    Start { task: u32, pid: u32 },
    End { task: u32 },
}

fn parse(line: &str) -> Option<TaskLine> {
    if let Some(rest) = line.strip_prefix("Run task ") {
        let (task, pid) = rest.strip_suffix(")...")?.split_once(" (")?;
        return Some(TaskLine::Start {
            task: task.parse().ok()?,
            pid: pid.parse().ok()?,
        });
    }
    let (task, seconds) = line.strip_prefix("Task ")?.split_once(" runs ")?;
    seconds.strip_suffix(" seconds.")?.parse::<f64>().ok()?;
    Some(TaskLine::End {
        task: task.parse().ok()?,
    })
}

/// Runs the demo, checks it succeeded and left no worker process running, and
/// returns its output and its task lines in order.
fn run() -> (String, Vec<TaskLine>) {
    let out = testkit::run_leaving_nothing(EXE, &[], Duration::from_secs(30));
    assert_eq!(out.code, Some(0), "{out:?}");
    let lines = out.stdout.lines().filter_map(parse).collect();
    (out.stdout, lines)
}

#[test]
fn five_tasks_run_on_at_most_four_worker_processes() {
    let (text, lines) = run();
    let parent: u32 = testkit::number_after(&text, "Parent process ");
    let pids: HashSet<u32> = lines
        .iter()
        .filter_map(|l| match l {
            TaskLine::Start { pid, .. } => Some(*pid),
            TaskLine::End { .. } => None,
        })
        .collect();
    assert!(
        !pids.is_empty() && pids.len() <= 4,
        "5 tasks on at most 4 workers, got {pids:?}:\n{text}"
    );
    assert!(
        !pids.contains(&parent),
        "tasks run in worker processes, not the parent:\n{text}"
    );
}

#[test]
fn each_task_is_done_exactly_once_between_waiting_and_done() {
    let (text, lines) = run();
    let mut starts = HashMap::new();
    let mut ends = HashMap::new();
    for (i, line) in lines.iter().enumerate() {
        match line {
            TaskLine::Start { task, .. } => *starts.entry(*task).or_insert(0) += 1,
            TaskLine::End { task } => {
                assert!(
                    lines[..i]
                        .iter()
                        .any(|l| matches!(l, TaskLine::Start { task: t, .. } if t == task)),
                    "task {task} ended before it started:\n{text}"
                );
                *ends.entry(*task).or_insert(0) += 1;
            }
        }
    }
    let once: HashMap<u32, i32> = (0..5).map(|task| (task, 1)).collect();
    assert_eq!(starts, once, "every task started exactly once:\n{text}");
    assert_eq!(ends, once, "every task ended exactly once:\n{text}");

    // The parent says it waits before any task line, and that all are done after the last.
    let all: Vec<&str> = text.lines().collect();
    let task_lines: Vec<usize> = (0..all.len())
        .filter(|&i| parse(all[i]).is_some())
        .collect();
    let waiting = all
        .iter()
        .position(|l| *l == "Waiting for all subprocesses done...");
    let done = all.iter().position(|l| *l == "All subprocesses done.");
    assert!(
        waiting.is_some_and(|w| w < task_lines[0]),
        "waiting first:\n{text}"
    );
    assert!(
        done.is_some_and(|d| d > task_lines[task_lines.len() - 1]),
        "done last:\n{text}"
    );
}

#[test]
fn fifth_task_starts_only_when_a_worker_is_free() {
    let (text, lines) = run();
    let starts: Vec<usize> = (0..lines.len())
        .filter(|&i| matches!(lines[i], TaskLine::Start { .. }))
        .collect();
    assert_eq!(starts.len(), 5, "{text}");
    let fifth = starts[4];
    let TaskLine::Start { pid: fifth_pid, .. } = lines[fifth] else {
        unreachable!()
    };
    // The parent prints each line as it reads it from a worker, and hands a
    // worker its next task only after reading the end of its last one. So the
    // fifth task runs in a worker that had already run a task, and that task's
    // end is printed before the fifth starts: no fifth process was made.
    let earlier_on_same_worker: Vec<u32> = lines[..fifth]
        .iter()
        .filter_map(|l| match l {
            TaskLine::Start { task, pid } if *pid == fifth_pid => Some(*task),
            _ => None,
        })
        .collect();
    let freed = lines[..fifth]
        .iter()
        .any(|l| matches!(l, TaskLine::End { task } if earlier_on_same_worker.contains(task)));
    assert!(
        freed,
        "the fifth task started on a worker that was not free:\n{text}"
    );
}

#[test]
fn map_squares_through_the_pool_in_input_order() {
    let (text, _) = run();
    assert_eq!(
        text.lines().last(),
        Some("Pool.map(x * x, [1, 2, 3, 4, 5]) = [1, 4, 9, 16, 25]"),
        "{text}"
    );
}

#[cfg(target_os = "linux")]
#[test]
fn no_worker_process_is_left_running() {
    use std::os::unix::process::CommandExt;
    use std::process::{Command, Stdio};
    use std::time::Instant;

    // The demo runs in a process group of its own, which its workers inherit.
    // Nothing of ours is inherited by them (stderr is discarded), so the demo's
    // exit is seen at once, while a worker left behind would still be running.
    let mut demo = Command::new(EXE)
        .process_group(0)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = demo.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            demo.kill().unwrap();
            demo.wait().unwrap();
            panic!("the demo did not end within 30 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let left = testkit::group_members(demo.id());
    if !left.is_empty() {
        Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", demo.id())])
            .status()
            .unwrap();
    }
    assert!(status.success(), "{status}");
    assert!(
        left.is_empty(),
        "worker processes left running after the demo: {left:?}"
    );
}
