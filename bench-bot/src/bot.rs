//! The Telegram side: commands, the refusal for chats not on the list, and the queue that
//! lets one benchmark run at a time while every other message is answered at once.
//!
//! teloxide handles each chat's messages in order, so a handler that awaited a whole run
//! would leave that chat's /cancel waiting behind it. /bench only puts a job in the queue;
//! one worker task takes jobs from it (see worker.rs) and the handlers return at once.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use teloxide::dispatching::{Dispatcher, ShutdownToken};
use teloxide::prelude::*;
use teloxide::update_listeners::Polling;
use teloxide::utils::command::BotCommands;
use tokio::sync::Notify;

use crate::drive::Drive;
use crate::queue::{Job, Shared, cancel, enqueue, status};
use crate::runner::bench_args;

/// Long-poll for this long; the HTTP client's own timeout (17 s) must be longer.
const POLL: Duration = Duration::from_secs(10);

pub struct Settings {
    pub allowed: Vec<i64>,
    pub bench: PathBuf,
    pub drive: Option<Drive>,
}

#[derive(BotCommands, Clone)]
#[command(rename_rule = "lowercase")]
enum Command {
    Start,
    Bench(String),
    Status,
    Cancel,
}

/// Starts polling and the worker; returns the token that stops polling, and the future
/// that polls until then.
pub async fn start(
    bot: Bot,
    settings: Settings,
) -> Result<(ShutdownToken, impl Future<Output = ()>), teloxide::RequestError> {
    let shared = Arc::new(Shared {
        queue: Mutex::default(),
        wake: Notify::new(),
        settings,
    });
    tokio::spawn(crate::worker::work(bot.clone(), shared.clone()));
    let handler = Update::filter_message()
        .branch(
            dptree::filter(|m: Message, s: Arc<Shared>| !allowed(&s, m.chat.id)).endpoint(refuse),
        )
        .branch(
            dptree::entry()
                .filter_command::<Command>()
                .endpoint(command),
        )
        .endpoint(other);
    let me = bot.get_me().await?;
    let mut dispatcher = Dispatcher::builder(bot.clone(), handler)
        .dependencies(dptree::deps![shared, me])
        .default_handler(|_| async {})
        .build();
    // On a network error, wait 0.25 s, 0.5 s, 1 s... up to 8 s before polling again; the
    // offset of the last update handled is kept, so no message is lost meanwhile.
    let polling = Polling::builder(bot)
        .timeout(POLL)
        .backoff_strategy(|errors| Duration::from_millis(250 << errors.min(5)))
        .build();
    let token = dispatcher.shutdown_token();
    let errors = |e: teloxide::RequestError| async move {
        eprintln!(
            "bench-bot: Telegram did not answer ({}); polling again after a pause",
            redact(&e)
        );
    };
    let polling = async move {
        dispatcher
            .dispatch_with_listener(polling, Arc::new(errors))
            .await;
    };
    Ok((token, polling))
}

/// An error without the request's URL, which holds the bot token.
pub fn redact(e: &teloxide::RequestError) -> String {
    match e {
        teloxide::RequestError::Network(e) => {
            let source = std::error::Error::source(&**e)
                .map(|s| format!(": {s}"))
                .unwrap_or_default();
            let text = format!("{e}{source}");
            match e.url() {
                Some(url) => text.replace(url.as_str(), "the Bot API"),
                None => text,
            }
        }
        other => other.to_string(),
    }
}

fn allowed(shared: &Shared, chat: ChatId) -> bool {
    shared.settings.allowed.contains(&chat.0)
}

async fn refuse(bot: Bot, msg: Message) -> ResponseResult<()> {
    let text = format!(
        "Sorry, this bot serves only the chats on its list, and chat {} is not on it.",
        msg.chat.id
    );
    bot.send_message(msg.chat.id, text).await?;
    Ok(())
}

const HELP: &str = "/bench [GROUP...] [--quick | --smoke] runs the benchmark (groups: cpu, io, spawn, ipc, locks, realworld; all by default), /status shows what runs and waits, /cancel stops your run.";

async fn other(bot: Bot, msg: Message) -> ResponseResult<()> {
    bot.send_message(
        msg.chat.id,
        format!("I know four commands: /start, /bench, /status and /cancel. {HELP}"),
    )
    .await?;
    Ok(())
}

async fn command(bot: Bot, msg: Message, cmd: Command, shared: Arc<Shared>) -> ResponseResult<()> {
    let chat = msg.chat.id;
    let text = match cmd {
        Command::Start => {
            let drive = match &shared.settings.drive {
                Some(_) => "Its report goes to Google Drive too.",
                None => {
                    "Drive uploads are off (no credentials configured): results come only here."
                }
            };
            format!(
                "Hello! I run the concurrency benchmark, Rust beside Python, one run at a time. {HELP} {drive}"
            )
        }
        Command::Bench(words) => match bench_args(&words) {
            Err(why) => format!("Not run: {why}. {HELP}"),
            Ok(args) => enqueue(&shared, Job { chat, args }),
        },
        Command::Status => status(&shared, chat),
        Command::Cancel => cancel(&shared, chat),
    };
    if !text.is_empty() {
        bot.send_message(chat, text).await?;
    }
    Ok(())
}
