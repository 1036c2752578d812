//! bench-bot: the first seed's system, put together. A Telegram bot (teloxide, long polling)
//! that runs the benchmark on request and uploads its report to Google Drive (google-drive3,
//! signed in as a service account by yup-oauth2). It is async-cpu's lesson at full size: an
//! I/O-bound front end that must run CPU-bound work, here in a child process, so that every
//! chat is answered at once while a run goes, one run at a time, the others queued.
//!
//! Python: bench_bot.py (python-telegram-bot or plain HTTP; the work on a ProcessPoolExecutor).
//!
//! Run with: `cargo run -p bench-bot -- --demo` (local fakes of Telegram and Drive, a scripted
//! chat, offline), or as a real bot: `TELOXIDE_TOKEN=... BENCH_BOT_CHATS=... cargo run -p
//! bench-bot` (see --help for Drive's settings).
//!
//! Expected output of --demo: the chat as its users see it, then the files Drive received:
//!     Ann: /start
//!     bot to Ann: Hello! I run the concurrency benchmark, Rust beside Python, ...
//!     Ann: /bench cpu --smoke
//!     bot to Ann: bench cpu --smoke: running, 0 s
//!     Bob: /status
//!     bot to Bob: Running: bench cpu --smoke for chat 1001, 1 s so far. Waiting: 0.
//!     Eve: /bench
//!     bot to Eve: Sorry, this bot serves only the chats on its list, and chat 666 is not on it.
//!     ...
//!     Drive received: results.json (... bytes) in folder bench-reports: http://127.0.0.1:.../view
//!
//! To copy: `cargo add teloxide@0.17 --features macros`, `cargo add google-drive3@7
//! --features yup-oauth2-service-account`, `cargo add yup-oauth2@12 mime@0.3 serde_json@1`,
//! `cargo add nix@0.31 --features signal`, `cargo add tokio@1 --features full`,
//! `cargo add axum@0.8 --features multipart` and `cargo add clap@4 --features derive,env`
//! (and the modules beside this file: bot, queue, worker, runner, drive, demo, fakes/).

mod bot;
mod demo;
mod drive;
// The demo uses part of the fakes; the tests use the rest (they include this module too).
#[allow(dead_code)]
mod fakes;
mod queue;
mod runner;
mod worker;

use std::error::Error;
use std::path::PathBuf;

use clap::Parser;
use teloxide::Bot;

const ENVIRONMENT: &str = "The bot token is read from TELOXIDE_TOKEN only (never from an argument); \
make a bot and get its token from @BotFather in Telegram. Drive uploads need a service account's \
JSON key (GOOGLE_APPLICATION_CREDENTIALS) and a folder shared with its e-mail address \
(BENCH_BOT_DRIVE_FOLDER); without them uploads are off.";

/// A Telegram bot that runs the benchmark (`bench`) on request, one run at a time, and
/// uploads its report to Google Drive.
#[derive(Parser)]
#[command(after_help = ENVIRONMENT)]
struct Args {
    /// Play a scripted chat against local fakes of Telegram and Drive, print it and exit.
    #[arg(long)]
    demo: bool,
    /// The chat ids the bot answers, comma-separated; others get one refusal line.
    #[arg(long, env = "BENCH_BOT_CHATS", value_delimiter = ',')]
    chats: Vec<i64>,
    /// The Bot API's address.
    #[arg(
        long,
        env = "TELOXIDE_API_URL",
        default_value = "https://api.telegram.org/"
    )]
    api_url: String,
    /// The Drive folder id the report goes into.
    #[arg(long, env = "BENCH_BOT_DRIVE_FOLDER")]
    drive_folder: Option<String>,
    /// The service account's JSON key file (its token_uri is where the token is asked).
    #[arg(long, env = "GOOGLE_APPLICATION_CREDENTIALS")]
    credentials: Option<PathBuf>,
    /// Drive's root URL.
    #[arg(
        long,
        env = "BENCH_BOT_DRIVE_URL",
        default_value = "https://www.googleapis.com/"
    )]
    drive_url: String,
    /// The bench binary (default: the one beside this program).
    #[arg(long, env = "BENCH_BIN")]
    bench: Option<PathBuf>,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let args = Args::parse();
    if args.demo {
        return demo::run().await;
    }
    let token = std::env::var("TELOXIDE_TOKEN")
        .map_err(|_| format!("TELOXIDE_TOKEN is not set. {ENVIRONMENT}"))?;
    if args.chats.is_empty() {
        return Err("BENCH_BOT_CHATS is empty: list the chat ids the bot may answer".into());
    }
    let drive = match (&args.credentials, &args.drive_folder) {
        (Some(key), Some(folder)) => Some(drive::Drive::new(key, &args.drive_url, folder).await?),
        _ => None,
    };
    println!(
        "bench-bot: answering chats {:?}; Drive uploads {}",
        args.chats,
        match &args.drive_folder {
            Some(folder) if drive.is_some() => format!("into folder {folder}"),
            _ => "off (no credentials or folder configured)".to_string(),
        }
    );
    let bench = args.bench.unwrap_or_else(runner::bench_binary);
    let settings = bot::Settings {
        allowed: args.chats,
        bench,
        drive,
    };
    let bot = Bot::new(token).set_api_url(args.api_url.parse()?);
    let (stop, polling) = bot::start(bot, settings)
        .await
        .map_err(|e| format!("Telegram: {}", bot::redact(&e)))?;
    tokio::spawn(async move {
        tokio::signal::ctrl_c()
            .await
            .expect("installing the Ctrl-C handler");
        println!("bench-bot: Ctrl-C, stopping");
        if let Ok(stopped) = stop.shutdown() {
            stopped.await;
        }
    });
    polling.await;
    Ok(())
}
