//! A fake of the Telegram Bot API methods the bot uses (getMe, getWebhookInfo, getUpdates,
//! sendMessage, editMessageText, sendDocument), on 127.0.0.1. Users "say" things into it;
//! everything the bot sends is logged as an event. It can go away (its port closed) and come
//! back on the same port, keeping the updates not yet fetched.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::{Notify, oneshot};

use super::bot_api::router;
use super::serve;

/// What happened in the chat, in order.
#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    /// A user's message.
    Said {
        chat: i64,
        name: String,
        text: String,
    },
    /// The bot sent a message (its id, to follow later edits).
    Sent { chat: i64, id: i64, text: String },
    /// The bot edited one of its messages.
    Edited { chat: i64, id: i64, text: String },
    /// The bot sent a file.
    Document {
        chat: i64,
        name: String,
        bytes: usize,
    },
}

#[derive(Default)]
pub(super) struct Chat {
    pub(super) updates: Vec<Value>,
    pub(super) next_update: i64,
    pub(super) next_message: i64,
    pub(super) events: Vec<Event>,
    pub(super) away: bool,
}

pub(super) type Shared = Arc<(Mutex<Chat>, Notify)>;

/// The fake Bot API server; dropping it closes its port.
pub struct FakeTelegram {
    pub addr: SocketAddr,
    shared: Shared,
    stop: Option<oneshot::Sender<()>>,
}

impl FakeTelegram {
    pub async fn start() -> std::io::Result<Self> {
        let shared = Shared::default();
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let stop = Some(serve(listener, router(shared.clone())));
        Ok(Self { addr, shared, stop })
    }

    /// The address to give the bot as its API URL.
    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    /// A user of chat `chat` sends `text`; the bot gets it at its next getUpdates.
    pub fn say(&self, chat: i64, name: &str, text: &str) {
        let (lock, notify) = &*self.shared;
        let mut c = lock.lock().expect("no code panics holding this lock");
        c.next_update += 1;
        c.next_message += 1;
        let from = json!({"id": chat, "is_bot": false, "first_name": name});
        let chat_json = json!({"id": chat, "type": "private", "first_name": name});
        let update = json!({"update_id": c.next_update, "message": {
            "message_id": c.next_message, "date": 0, "chat": chat_json, "from": from,
            "text": text}});
        c.updates.push(update);
        let (name, text) = (name.to_string(), text.to_string());
        c.events.push(Event::Said { chat, name, text });
        notify.notify_waiters();
    }

    pub fn events(&self) -> Vec<Event> {
        let c = self
            .shared
            .0
            .lock()
            .expect("no code panics holding this lock");
        c.events.clone()
    }

    /// Closes the port: the bot's requests fail until `come_back`.
    pub async fn go_away(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        // End the long poll in flight, so that its connection closes with the server.
        self.shared
            .0
            .lock()
            .expect("no code panics holding this lock")
            .away = true;
        self.shared.1.notify_waiters();
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    /// Listens again on the same port, with the updates that came in meanwhile.
    pub async fn come_back(&mut self) -> std::io::Result<()> {
        let listener = TcpListener::bind(self.addr).await?;
        self.shared
            .0
            .lock()
            .expect("no code panics holding this lock")
            .away = false;
        self.stop = Some(serve(listener, router(self.shared.clone())));
        Ok(())
    }
}
