//! The Python twin (bench_bot.py, python-telegram-bot) against the same fakes of Telegram
//! and Drive: its commands, the refusal, a run with its report on Drive, another chat's
//! /status answered while the run goes, the queue and /cancel.

mod common;

use std::process::Command;
use std::time::Duration;

use common::{ANN, BOB, FOLDER, Setup};
use testkit::twin;

const LIMIT: Duration = Duration::from_secs(60);

#[tokio::test]
async fn twin_bench_bot_against_the_fakes() {
    let test = "twin_bench_bot_against_the_fakes";
    if let Some(why) = twin::missing(&["telegram", "cryptography"]) {
        twin::skip(test, &why);
        return;
    }
    let mut python = Command::new("python3");
    python.arg(twin::script(env!("CARGO_MANIFEST_DIR"), "bench_bot.py"));
    let s = Setup::start_program("twin", true, 0.0, python).await;
    s.telegram.say(ANN, "Ann", "/start");
    s.wait_text(ANN, "Hello! I run the concurrency benchmark", LIMIT)
        .await;
    s.telegram.say(666, "Eve", "/bench cpu");
    s.wait_text(666, "not on it", LIMIT).await;
    s.telegram.say(ANN, "Ann", "/frobnicate");
    s.wait_text(ANN, "I know four commands", LIMIT).await;
    s.telegram.say(ANN, "Ann", "/bench cpu --quick");
    s.wait_text(ANN, "bench cpu --quick: running", LIMIT).await;
    s.telegram.say(BOB, "Bob", "/bench cpu --smoke");
    s.wait_text(
        BOB,
        "Queued: bench cpu --smoke is number 1 in the queue",
        LIMIT,
    )
    .await;
    let asked = std::time::Instant::now();
    s.telegram.say(BOB, "Bob", "/status");
    let status = s
        .wait_text(BOB, "Running: bench cpu --quick for chat 1001", LIMIT)
        .await;
    assert!(
        status.contains("Waiting: 1. Yours is number 1."),
        "{status}"
    );
    assert!(
        asked.elapsed() < Duration::from_secs(2),
        "the event loop answered while the run went"
    );
    s.telegram.say(ANN, "Ann", "/cancel");
    s.wait_text(
        ANN,
        "bench cpu --quick: cancelled; its processes were killed.",
        LIMIT,
    )
    .await;
    s.wait_text(BOB, "bench cpu --smoke: done in", LIMIT).await;
    s.wait_text(BOB, "| Leibniz pi: Python threads speedup <= 1.05", LIMIT)
        .await;
    let links = s.wait_text(BOB, "Uploaded to Google Drive:", LIMIT).await;
    let files = s.drive.files();
    let names: Vec<&str> = files.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["results.json", "results.md"]);
    assert!(
        files
            .iter()
            .all(|f| f.folder == FOLDER && f.bytes > 0 && links.contains(&f.link))
    );
    assert!(
        !s.bot_output().contains("SECRET"),
        "the token is never printed"
    );
}

#[test]
fn twin_demo_prints_the_programs_chat() {
    let test = "twin_demo_prints_the_programs_chat";
    if let Some(why) = twin::missing(&["telegram", "cryptography"]) {
        twin::skip(test, &why);
        return;
    }
    let script = twin::script(env!("CARGO_MANIFEST_DIR"), "bench_bot.py");
    let mut demo = Command::new("python3");
    demo.arg(script).arg("--demo");
    let out = testkit::command_within(demo, Duration::from_secs(120));
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let lines: Vec<&str> = out.stdout.lines().collect();
    let at = |line: &str| {
        let found = lines.iter().position(|l| l.starts_with(line));
        found.unwrap_or_else(|| panic!("no {line:?} in\n{}", out.stdout))
    };
    // The lines the Rust demo prints, in the same order.
    assert!(at("Ann: /start") < at("bot to Ann: Hello!"));
    assert!(at("bot to Ann: bench cpu --smoke: running") < at("Bob: /status"));
    assert!(
        at("bot to Bob: Running: bench cpu --smoke for chat 1001")
            < at("bot to Ann (edits its message): bench cpu --smoke: done in")
    );
    assert!(
        at("Eve: /bench") < at("bot to Eve: Sorry, this bot serves only the chats on its list")
    );
    for file in ["results.json", "results.md"] {
        at(&format!("Drive received: {file} ("));
    }
}
