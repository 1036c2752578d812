//! What the tests share: the fakes, a fake bench script, and the bot binary run against them.

#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The bot's own fakes of Telegram and Drive, shared with its --demo.
#[path = "../../src/fakes/mod.rs"]
pub mod fakes;

use fakes::drive::FakeDrive;
use fakes::telegram::{Event, FakeTelegram};

pub const ANN: i64 = 1001;
pub const BOB: i64 = 1002;
pub const TOKEN: &str = "123456:SECRET-test-token";
pub const FOLDER: &str = "test-folder";

/// A stand-in for bench: logs its start and end, sleeps FAKE_BENCH_SECONDS in a child
/// process (its pid logged, to check that /cancel leaves no process behind), then writes a
/// report as bench does.
pub const FAKE_BENCH: &str = r#"#!/bin/sh
for arg; do [ "$prev" = --out ] && out=$arg; prev=$arg; done
echo "start $$ $*" >> "$FAKE_BENCH_LOG"
echo "measuring cpu" >&2
sleep "${FAKE_BENCH_SECONDS:-0.2}" &
echo "child $!" >> "$FAKE_BENCH_LOG"
wait
mkdir -p "$out"
echo '{"rows": []}' > "$out/results.json"
printf '### cpu\n\n| a |\n\n### targets (BENCH.md)\n\n| target | this run | status |\n|---|---|---|\n| fake target | 2.00x | met |\n' > "$out/results.md"
echo '<svg xmlns="http://www.w3.org/2000/svg"/>' > "$out/cpu_speedup.svg"
echo "end $$" >> "$FAKE_BENCH_LOG"
"#;

pub struct Setup {
    pub telegram: FakeTelegram,
    pub drive: FakeDrive,
    pub dir: PathBuf,
    pub bot: Option<Child>,
}

impl Setup {
    /// Fakes, a temp dir with the fake bench, and the bot answering ANN and BOB, with Drive
    /// credentials or without; the fake bench sleeps `seconds`.
    pub async fn start(name: &str, with_drive: bool, seconds: f64) -> Setup {
        let bot = Command::new(env!("CARGO_BIN_EXE_bench-bot"));
        Setup::start_program(name, with_drive, seconds, bot).await
    }

    /// The same with another program as the bot (the Python twin).
    pub async fn start_program(
        name: &str,
        with_drive: bool,
        seconds: f64,
        mut command: Command,
    ) -> Setup {
        let telegram = FakeTelegram::start().await.expect("fake Telegram");
        let drive = FakeDrive::start().await.expect("fake Drive");
        let dir = std::env::temp_dir().join(format!("bench-bot-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let bench = dir.join("bench");
        std::fs::write(&bench, FAKE_BENCH).expect("fake bench");
        Command::new("chmod")
            .arg("+x")
            .arg(&bench)
            .status()
            .expect("chmod");
        let key = dir.join("key.json");
        std::fs::write(&key, drive.credentials()).expect("key file");
        command
            .env("TELOXIDE_TOKEN", TOKEN)
            .env("TELOXIDE_API_URL", telegram.url())
            .env("BENCH_BOT_CHATS", format!("{ANN},{BOB}"))
            .env("BENCH_BIN", &bench)
            .env("FAKE_BENCH_LOG", dir.join("bench.log"))
            .env("FAKE_BENCH_SECONDS", seconds.to_string())
            .env_remove("GOOGLE_APPLICATION_CREDENTIALS")
            .env_remove("BENCH_BOT_DRIVE_FOLDER")
            .stdout(std::fs::File::create(dir.join("stdout")).expect("stdout file"))
            .stderr(std::fs::File::create(dir.join("stderr")).expect("stderr file"))
            .stdin(Stdio::null());
        if with_drive {
            command
                .env("GOOGLE_APPLICATION_CREDENTIALS", &key)
                .env("BENCH_BOT_DRIVE_FOLDER", FOLDER)
                .env("BENCH_BOT_DRIVE_URL", drive.url());
        }
        let bot = Some(command.spawn().expect("the bot starts"));
        Setup {
            telegram,
            drive,
            dir,
            bot,
        }
    }

    /// The fake bench's log: "start PID ARGS", "child PID", "end PID" lines.
    pub fn bench_log(&self) -> Vec<String> {
        let log = std::fs::read_to_string(self.dir.join("bench.log")).unwrap_or_default();
        log.lines().map(String::from).collect()
    }

    /// The bot's stdout and stderr so far.
    pub fn bot_output(&self) -> String {
        let out = std::fs::read_to_string(self.dir.join("stdout")).unwrap_or_default();
        out + &std::fs::read_to_string(self.dir.join("stderr")).unwrap_or_default()
    }

    /// The texts the bot sent or edited into `chat`'s messages, in order.
    pub fn texts(&self, chat: i64) -> Vec<String> {
        let texts = self.telegram.events().into_iter().filter_map(|e| match e {
            Event::Sent { chat: c, text, .. } | Event::Edited { chat: c, text, .. }
                if c == chat =>
            {
                Some(text)
            }
            _ => None,
        });
        texts.collect()
    }

    /// Waits until the bot has sent `chat` a text containing `words`, at most `limit`.
    pub async fn wait_text(&self, chat: i64, words: &str, limit: Duration) -> String {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            if let Some(text) = self.texts(chat).into_iter().find(|t| t.contains(words)) {
                return text;
            }
            if tokio::time::Instant::now() > deadline {
                panic!(
                    "no {words:?} for chat {chat} within {limit:?}; it got {:?}\n{}",
                    self.texts(chat),
                    self.bot_output()
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Setup {
    fn drop(&mut self) {
        if let Some(mut bot) = self.bot.take() {
            let _ = bot.kill();
            let _ = bot.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Whether process `pid` still exists (a zombie counts as gone: it runs nothing).
pub fn alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => !stat
            .rsplit_once(") ")
            .is_some_and(|(_, rest)| rest.starts_with('Z')),
        Err(_) => false,
    }
}
