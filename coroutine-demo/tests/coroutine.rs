use std::time::Duration;

const EXE: &str = env!("CARGO_BIN_EXE_coroutine-demo");

fn run() -> Vec<String> {
    let out = testkit::run_within(EXE, &[], Duration::from_secs(30));
    assert_eq!(out.code, Some(0), "{out:?}");
    out.stdout.lines().map(str::to_owned).collect()
}

/// Producer and consumer take turns: every number is produced, consumed, then answered
/// `200 OK`, before the next one is produced; closing the channel ends the consumer.
#[test]
fn producer_and_consumer_strictly_alternate() {
    let lines = run();
    let mut expected = Vec::new();
    for n in 1..=5 {
        expected.push(format!("[PRODUCER] Producing {n}..."));
        expected.push(format!("[CONSUMER] Consuming {n}..."));
        expected.push("[PRODUCER] Consumer return: 200 OK".to_owned());
    }
    // Dropping the producer's sender closes the channel: the consumer ends right after.
    expected.push("[CONSUMER] Closed by the producer, consumer ends.".to_owned());
    assert_eq!(lines[..expected.len()], expected);
}

/// The two coroutines interleave exactly at their yield points: a prints 1 2, hands over,
/// b prints x y, hands over, then 3 and z.
#[test]
fn two_coroutines_interleave_at_yield_points() {
    let lines = run();
    let start = lines
        .iter()
        .position(|l| l == "two coroutines on one thread:")
        .expect("header line");
    assert_eq!(lines[start + 1..], ["1", "2", "x", "y", "3", "z"]);
}
