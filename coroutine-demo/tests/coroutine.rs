use std::time::Duration;

const EXE: &str = env!("CARGO_BIN_EXE_coroutine-demo");

fn run() -> Vec<String> {
    let out = testkit::run_within(EXE, &[], Duration::from_secs(60));
    assert_eq!(out.code, Some(0), "{out:?}");
    out.stdout.lines().map(str::to_owned).collect()
}

/// Producer and consumer take turns: every number is produced, consumed, then answered
/// `200 OK`, before the next one is produced.
#[test]
fn producer_and_consumer_strictly_alternate() {
    let lines = run();
    let turns: Vec<&String> = lines
        .iter()
        .filter(|l| l.starts_with("[PRODUCER]") || l.starts_with("[CONSUMER] Consuming"))
        .collect();
    let mut expected = Vec::new();
    for n in 1..=5 {
        expected.push(format!("[PRODUCER] Producing {n}..."));
        expected.push(format!("[CONSUMER] Consuming {n}..."));
        expected.push("[PRODUCER] Consumer return: 200 OK".to_owned());
    }
    assert_eq!(turns, expected.iter().collect::<Vec<_>>());
    // Dropping the producer's sender closes the channel: the consumer ends right after.
    let closed = lines
        .iter()
        .position(|l| l == "[CONSUMER] Channel closed, consumer ends.")
        .expect("the consumer's last line");
    assert_eq!(lines[closed - 1], "[PRODUCER] Consumer return: 200 OK");
}

/// The two coroutines interleave exactly at their yield points: a prints 1 2, hands over,
/// b prints x y, hands over, then 3 and z.
#[test]
fn two_coroutines_interleave_at_yield_points() {
    let lines = run();
    let start = lines
        .iter()
        .position(|l| l.starts_with("two coroutines on thread"))
        .expect("header line");
    assert_eq!(lines[start + 1..], ["1", "2", "x", "y", "3", "z"]);
}

#[test]
fn help_exits_0_and_a_bad_argument_exits_1_with_one_error_line() {
    assert!(testkit::assert_help(EXE).starts_with("usage: coroutine-demo"));
    let stderr = testkit::assert_usage_error(EXE, &["--bogus"]);
    assert!(stderr.contains("--bogus"), "{stderr}");
}
