//! The program's own run: --demo end to end (with a fake bench, for speed), --help naming
//! its settings, and a clear error without a token.

mod common;

use std::process::Command;
use std::time::Duration;

#[test]
fn demo_plays_the_chat_and_shows_what_drive_received() {
    let dir = std::env::temp_dir().join(format!("bench-bot-demo-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let bench = dir.join("bench");
    std::fs::write(&bench, common::FAKE_BENCH).expect("fake bench");
    Command::new("chmod")
        .arg("+x")
        .arg(&bench)
        .status()
        .expect("chmod");
    let mut demo = Command::new(env!("CARGO_BIN_EXE_bench-bot"));
    demo.arg("--demo")
        .env("BENCH_BIN", &bench)
        .env("FAKE_BENCH_LOG", dir.join("log"));
    let out = testkit::command_within(demo, Duration::from_secs(60));
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let lines: Vec<&str> = out.stdout.lines().collect();
    let at = |line: &str| {
        lines
            .iter()
            .position(|l| l.starts_with(line))
            .unwrap_or_else(|| panic!("no {line:?} in\n{}", out.stdout))
    };
    assert!(at("Ann: /start") < at("bot to Ann: Hello!"));
    assert!(at("Ann: /bench cpu --smoke") < at("bot to Ann: bench cpu --smoke: running"));
    assert!(at("bot to Ann: bench cpu --smoke: running") < at("Bob: /status"));
    assert!(
        at("bot to Bob: Running: bench cpu --smoke for chat 1001")
            < at("bot to Ann (edits its message): bench cpu --smoke: done in")
    );
    assert!(
        at("Eve: /bench") < at("bot to Eve: Sorry, this bot serves only the chats on its list")
    );
    for file in ["results.json", "results.md", "cpu_speedup.svg"] {
        at(&format!("Drive received: {file} ("));
    }
}

#[test]
fn help_names_every_setting_and_no_token_is_a_clear_error() {
    let help = testkit::assert_help(env!("CARGO_BIN_EXE_bench-bot"));
    for setting in [
        "BENCH_BOT_CHATS",
        "TELOXIDE_API_URL",
        "BENCH_BOT_DRIVE_FOLDER",
        "GOOGLE_APPLICATION_CREDENTIALS",
        "TELOXIDE_TOKEN",
        "BotFather",
    ] {
        assert!(help.contains(setting), "--help lacks {setting}:\n{help}");
    }
    let mut bot = Command::new(env!("CARGO_BIN_EXE_bench-bot"));
    bot.env_remove("TELOXIDE_TOKEN");
    let out = testkit::command_within(bot, Duration::from_secs(20));
    assert_eq!(out.code, Some(1));
    assert!(
        out.stderr.contains("TELOXIDE_TOKEN is not set"),
        "{}",
        out.stderr
    );
}
