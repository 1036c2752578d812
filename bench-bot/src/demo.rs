//! `--demo`: the bot against local fakes of Telegram and Drive, driven by a scripted chat:
//! Ann starts a smoke run, Bob asks for the status while it runs, Eve (not on the list) is
//! refused. Then the chat is printed as its users saw it, and the files Drive received.

use std::error::Error;
use std::path::{Path, PathBuf};
use std::time::Duration;

use teloxide::Bot;

use crate::fakes::drive::FakeDrive;
use crate::fakes::telegram::{Event, FakeTelegram};
use crate::{bot, drive, runner};

/// The whole demo ends by then, whatever happens.
const DEADLINE: Duration = Duration::from_secs(180);
const ANN: i64 = 1001;
const BOB: i64 = 1002;
const EVE: i64 = 666;
const FOLDER: &str = "bench-reports";

pub async fn run() -> Result<(), Box<dyn Error>> {
    let bench = find_bench()?;
    let telegram = FakeTelegram::start().await?;
    let drive = FakeDrive::start().await?;
    let dir = std::env::temp_dir().join(format!("bench-bot-demo-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let key = dir.join("service-account.json");
    std::fs::write(&key, drive.credentials())?;
    let played = tokio::time::timeout(DEADLINE, play(&telegram, &drive, &key, bench)).await;
    let _ = std::fs::remove_dir_all(&dir);
    print_chat(&telegram.events());
    for file in drive.files() {
        println!(
            "Drive received: {} ({} bytes) in folder {}: {}",
            file.name, file.bytes, file.folder, file.link
        );
    }
    match played {
        Ok(result) => result,
        Err(_) => Err(format!("the demo did not finish within {} s", DEADLINE.as_secs()).into()),
    }
}

async fn play(
    telegram: &FakeTelegram,
    fake_drive: &FakeDrive,
    key: &Path,
    bench: PathBuf,
) -> Result<(), Box<dyn Error>> {
    let drive = Some(drive::Drive::new(key, &fake_drive.url(), FOLDER).await?);
    let settings = bot::Settings {
        allowed: vec![ANN, BOB],
        bench,
        drive,
    };
    let bot = Bot::new("123456:demo-token").set_api_url(telegram.url().parse()?);
    let (stop, polling) = bot::start(bot, settings).await?;
    let polling = tokio::spawn(polling);
    let sent_to =
        |chat: i64| move |e: &Event| matches!(e, Event::Sent { chat: c, .. } if *c == chat);
    telegram.say(ANN, "Ann", "/start");
    wait(telegram, 1, sent_to(ANN)).await;
    telegram.say(ANN, "Ann", "/bench cpu --smoke");
    wait(telegram, 2, sent_to(ANN)).await;
    telegram.say(BOB, "Bob", "/status");
    wait(telegram, 1, sent_to(BOB)).await;
    telegram.say(EVE, "Eve", "/bench");
    wait(telegram, 1, sent_to(EVE)).await;
    // The run's last message is the Drive answer.
    wait(
        telegram,
        1,
        |e| matches!(e, Event::Sent { text, .. } if text.contains("Drive:")),
    )
    .await;
    if let Ok(stopping) = stop.shutdown() {
        stopping.await;
    }
    polling.await?;
    Ok(())
}

/// Waits until at least `n` events match.
async fn wait(telegram: &FakeTelegram, n: usize, matching: impl Fn(&Event) -> bool) {
    while telegram.events().iter().filter(|e| matching(e)).count() < n {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn print_chat(events: &[Event]) {
    let name = |chat: &i64| match *chat {
        ANN => "Ann",
        BOB => "Bob",
        EVE => "Eve",
        _ => "someone",
    };
    for event in events {
        match event {
            Event::Said { name, text, .. } => println!("{name}: {text}"),
            Event::Sent { chat, text, .. } => println!("bot to {}: {text}", name(chat)),
            Event::Edited { chat, text, .. } => {
                println!("bot to {} (edits its message): {text}", name(chat))
            }
            Event::Document {
                chat,
                name: file,
                bytes,
            } => {
                println!("bot to {}: [file {file}, {bytes} bytes]", name(chat))
            }
        }
    }
}

/// The bench binary; when it is missing and this runs under cargo, builds it first.
fn find_bench() -> Result<PathBuf, Box<dyn Error>> {
    let bench = runner::bench_binary();
    if bench.exists() {
        return Ok(bench);
    }
    let (Some(cargo), Some(crate_dir)) = (
        std::env::var_os("CARGO"),
        std::env::var_os("CARGO_MANIFEST_DIR"),
    ) else {
        return Err(format!(
            "{} is missing: build it with `cargo build -p bench` (or `cargo build --release -p bench` for a release build), or set BENCH_BIN",
            bench.display()
        )
        .into());
    };
    eprintln!(
        "bench-bot: {} is missing; building it with `cargo build -p bench`",
        bench.display()
    );
    let release = bench.parent().is_some_and(|d| d.ends_with("release"));
    let mut build = std::process::Command::new(cargo);
    build.args(["build", "-p", "bench"]).current_dir(crate_dir);
    if release {
        build.arg("--release");
    }
    if !build.status()?.success() || !bench.exists() {
        return Err(format!("`cargo build -p bench` did not make {}", bench.display()).into());
    }
    Ok(bench)
}
