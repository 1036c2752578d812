//! What both test files check in the master's lines, the Rust program's and its twin's.

/// Checks the master's stdout: every number put as a task comes back exactly
/// once, squared correctly, from a named worker. Returns `(n, worker)` pairs.
pub fn assert_all_results(stdout: &str, tasks: usize) -> Vec<(u64, String)> {
    let mut put: Vec<u64> = (stdout.lines())
        .filter_map(|l| {
            l.strip_prefix("Put task ")?
                .strip_suffix("...")?
                .parse()
                .ok()
        })
        .collect();
    let mut got = Vec::new();
    for line in stdout.lines().filter_map(|l| l.strip_prefix("Result: ")) {
        let (sum, by) = line.split_once(" (from ").unwrap();
        let nums: Vec<u64> = sum
            .split([' ', '*', '='])
            .filter_map(|w| w.parse().ok())
            .collect();
        assert_eq!(nums.len(), 3, "{line}");
        assert_eq!(nums[0], nums[1], "{line}");
        assert_eq!(nums[0] * nums[1], nums[2], "wrong square: {line}");
        got.push((nums[0], by.strip_suffix(')').unwrap().to_string()));
    }
    assert_eq!(put.len(), tasks, "tasks put:\n{stdout}");
    let mut numbers: Vec<u64> = got.iter().map(|(n, _)| *n).collect();
    put.sort_unstable();
    numbers.sort_unstable();
    assert_eq!(
        put, numbers,
        "every task, once, and nothing else, comes back:\n{stdout}"
    );
    // (In the default run, the workers' last lines may come after it.)
    assert_eq!(stdout.matches("master exit.\n").count(), 1, "{stdout}");
    got
}
