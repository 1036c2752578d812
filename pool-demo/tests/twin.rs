//! The Python twin prints the Rust program's lines, numbers aside, under each of
//! multiprocessing's start methods, and says which one it used.

use std::collections::{HashMap, HashSet};
use std::time::Duration;
use testkit::{number_after, run_within, twin};

#[test]
fn pool_demo_py_prints_the_same_lines_and_runs_5_tasks_on_at_most_4_pids() {
    let test = "pool_demo_py_prints_the_same_lines_and_runs_5_tasks_on_at_most_4_pids";
    let limit = Duration::from_secs(30);
    let dir = env!("CARGO_MANIFEST_DIR");
    let exe = env!("CARGO_BIN_EXE_pool-demo");
    let Some((rust, runs)) =
        twin::run_both_methods(test, dir, "pool_demo.py", exe, run_within, limit)
    else {
        return;
    };
    twin::each(&runs, |run| {
        let text = &run.without_start_method();
        // The workers' lines come in whatever order the tasks start and end.
        twin::assert_same_lines_any_order(&rust.stdout, text);

        // Python's Pool(4): 5 tasks, each run once, on at most 4 worker processes.
        let parent: u32 = number_after(text, "Parent process ");
        let mut tasks = HashMap::new();
        let mut pids = HashSet::new();
        for line in text.lines() {
            let Some(rest) = line.strip_prefix("Run task ") else {
                continue;
            };
            let (task, pid) = rest.strip_suffix(")...").unwrap().split_once(" (").unwrap();
            *tasks.entry(task.parse::<u32>().unwrap()).or_insert(0) += 1;
            pids.insert(pid.parse::<u32>().unwrap());
        }
        assert_eq!(tasks, (0..5).map(|t| (t, 1)).collect(), "{text}");
        assert!(!pids.is_empty() && pids.len() <= 4, "{pids:?}:\n{text}");
        assert!(!pids.contains(&parent), "{text}");
        assert_eq!(
            text.lines().last(),
            Some("Pool.map(x * x, [1, 2, 3, 4, 5]) = [1, 4, 9, 16, 25]")
        );
    });
}
