//! The queue: one job runs, the others wait in order. Its functions answer /bench, /status
//! and /cancel from the queue's state alone, so they return at once while a run goes.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Instant;

use teloxide::types::ChatId;
use tokio::sync::{Notify, oneshot};

use crate::bot::Settings;

pub struct Job {
    pub chat: ChatId,
    pub args: Vec<String>,
}

impl Job {
    pub fn label(&self) -> String {
        format!("bench {}", self.args.join(" ")).trim().to_string()
    }
}

pub struct Running {
    pub chat: ChatId,
    pub label: String,
    pub started: Instant,
    pub cancel: Option<oneshot::Sender<()>>,
}

#[derive(Default)]
pub struct Queue {
    pub running: Option<Running>,
    pub waiting: VecDeque<Job>,
}

pub struct Shared {
    /// A std Mutex: nothing is awaited while it is held.
    pub queue: Mutex<Queue>,
    pub wake: Notify,
    pub settings: Settings,
}

impl Shared {
    pub fn queue(&self) -> std::sync::MutexGuard<'_, Queue> {
        self.queue.lock().expect("no code panics holding the queue")
    }
}

/// Queues the job; says nothing when it starts at once (the worker's message says so).
pub fn enqueue(shared: &Shared, job: Job) -> String {
    let mut queue = shared.queue();
    let label = job.label();
    let idle = queue.running.is_none() && queue.waiting.is_empty();
    queue.waiting.push_back(job);
    let place = queue.waiting.len();
    drop(queue);
    shared.wake.notify_one();
    match idle {
        true => String::new(),
        false => format!("Queued: {label} is number {place} in the queue; one run goes at a time."),
    }
}

pub fn status(shared: &Shared, chat: ChatId) -> String {
    let queue = shared.queue();
    let running = match &queue.running {
        Some(r) => format!(
            "Running: {} for chat {}, {} s so far.",
            r.label,
            r.chat,
            r.started.elapsed().as_secs()
        ),
        None => "Nothing runs.".to_string(),
    };
    let waiting = queue.waiting.len();
    let yours = queue.waiting.iter().position(|j| j.chat == chat);
    let yours = yours
        .map(|i| format!(" Yours is number {}.", i + 1))
        .unwrap_or_default();
    format!("{running} Waiting: {waiting}.{yours}")
}

pub fn cancel(shared: &Shared, chat: ChatId) -> String {
    let mut queue = shared.queue();
    if let Some(running) = queue.running.as_mut().filter(|r| r.chat == chat) {
        if let Some(stop) = running.cancel.take() {
            let _ = stop.send(());
            return format!("Stopping your run of {}.", running.label);
        }
    }
    let before = queue.waiting.len();
    queue.waiting.retain(|j| j.chat != chat);
    match before - queue.waiting.len() {
        0 => "Nothing of yours runs or waits.".to_string(),
        n => format!("Removed your {n} waiting run(s) from the queue."),
    }
}
