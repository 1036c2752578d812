//! The one worker: takes the next job from the queue, runs bench for it, keeps one message
//! up to date with its progress, then answers with the targets table, the charts and the
//! Drive links. Only one job runs at a time because only this task runs jobs.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use teloxide::prelude::*;
use teloxide::types::InputFile;
use tokio::sync::{mpsc, oneshot};

use crate::queue::{Job, Running, Shared};
use crate::runner::{self, Outcome};

/// Edit the progress message at most this often (Telegram limits edits per chat).
const EDIT_EVERY: Duration = Duration::from_secs(2);
/// Telegram's limit on a message is 4096 characters.
const MESSAGE_LIMIT: usize = 4000;

pub async fn work(bot: Bot, shared: Arc<Shared>) {
    loop {
        let next = {
            let mut queue = shared.queue();
            let job = queue.waiting.pop_front();
            job.map(|job| {
                let (stop, cancelled) = oneshot::channel();
                let label = job.label();
                let started = Instant::now();
                queue.running = Some(Running {
                    chat: job.chat,
                    label,
                    started,
                    cancel: Some(stop),
                });
                (job, cancelled)
            })
        };
        match next {
            Some((job, cancelled)) => {
                if let Err(e) = run(&bot, &shared, &job, cancelled).await {
                    eprintln!(
                        "bench-bot: could not answer chat {}: {}",
                        job.chat,
                        crate::bot::redact(&e)
                    );
                }
                shared.queue().running = None;
            }
            None => shared.wake.notified().await,
        }
    }
}

async fn run(
    bot: &Bot,
    shared: &Shared,
    job: &Job,
    cancelled: oneshot::Receiver<()>,
) -> ResponseResult<()> {
    let label = job.label();
    let message = bot
        .send_message(job.chat, format!("{label}: running, 0 s"))
        .await?;
    static RUNS: AtomicU64 = AtomicU64::new(0);
    let out = std::env::temp_dir().join(format!(
        "bench-bot-{}-{}",
        std::process::id(),
        RUNS.fetch_add(1, Ordering::Relaxed)
    ));
    let (progress, mut lines) = mpsc::unbounded_channel();
    let bench = shared.settings.bench.clone();
    let args = job.args.clone();
    let out_dir = out.clone();
    let mut child =
        tokio::spawn(
            async move { runner::run(&bench, &args, &out_dir, progress, cancelled).await },
        );
    let started = Instant::now();
    let (mut last, mut shown) = (String::new(), String::new());
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + EDIT_EVERY, EDIT_EVERY);
    let outcome = loop {
        tokio::select! {
            outcome = &mut child => break outcome.unwrap_or_else(|e| Outcome::Failed(e.to_string())),
            Some(line) = lines.recv() => last = line,
            _ = tick.tick() => {
                let text = format!("{label}: running, {} s {last}", started.elapsed().as_secs());
                let text = text.trim_end();
                if text != shown {
                    // A failed edit (Telegram away for a moment) is not worth stopping the run.
                    let _ = bot.edit_message_text(job.chat, message.id, text).await;
                    shown = text.to_string();
                }
            }
        }
    };
    let result = answer(bot, shared, job, message.id, &label, outcome).await;
    let _ = std::fs::remove_dir_all(&out);
    result
}

async fn answer(
    bot: &Bot,
    shared: &Shared,
    job: &Job,
    message: teloxide::types::MessageId,
    label: &str,
    outcome: Outcome,
) -> ResponseResult<()> {
    let (table, files, took) = match outcome {
        Outcome::Cancelled => {
            bot.edit_message_text(
                job.chat,
                message,
                format!("{label}: cancelled; its processes were killed."),
            )
            .await?;
            return Ok(());
        }
        Outcome::Failed(why) => {
            bot.edit_message_text(job.chat, message, format!("{label}: failed: {why}"))
                .await?;
            return Ok(());
        }
        Outcome::Done { table, files, took } => (table, files, took),
    };
    bot.edit_message_text(
        job.chat,
        message,
        format!("{label}: done in {:.1} s", took.as_secs_f64()),
    )
    .await?;
    bot.send_message(job.chat, cut(&table)).await?;
    for chart in files
        .iter()
        .filter(|f| f.extension().is_some_and(|x| x == "svg"))
    {
        bot.send_document(job.chat, InputFile::file(chart)).await?;
    }
    let drive = match &shared.settings.drive {
        None => "Drive uploads are off (no credentials configured), so the report stays here."
            .to_string(),
        Some(drive) => match drive.upload(&files).await {
            Ok(uploaded) => {
                let links: Vec<String> = uploaded
                    .iter()
                    .map(|u| format!("{}: {}", u.name, u.link))
                    .collect();
                format!("Uploaded to Google Drive:\n{}", links.join("\n"))
            }
            Err(why) => format!("The Drive upload failed ({why}); the results above are complete."),
        },
    };
    bot.send_message(job.chat, drive).await?;
    Ok(())
}

/// A text short enough for one message, cut at a line.
fn cut(text: &str) -> String {
    if text.len() <= MESSAGE_LIMIT {
        return if text.is_empty() {
            "(bench wrote no targets table)".to_string()
        } else {
            text.to_string()
        };
    }
    let mut end = MESSAGE_LIMIT;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let end = text[..end].rfind('\n').unwrap_or(end);
    format!("{}\n(cut: the whole table is in results.md)", &text[..end])
}
