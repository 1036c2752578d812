//! The fake Bot API's HTTP side: one route for every method, answered as Telegram does.

use std::time::Duration;

use axum::Router;
use axum::extract::{FromRequest, Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};

use super::telegram::{Event, Shared};

pub(super) fn router(shared: Shared) -> Router {
    Router::new()
        .route("/{token}/{method}", post(method))
        .with_state(shared)
}

fn ok(result: Value) -> Response {
    axum::Json(json!({"ok": true, "result": result})).into_response()
}

fn message(chat: i64, id: i64, extra: Value) -> Value {
    let mut m = json!({"message_id": id, "date": 0,
        "chat": {"id": chat, "type": "private", "first_name": "user"},
        "from": {"id": 1, "is_bot": true, "first_name": "bench-bot"}});
    if let (Some(m), Some(extra)) = (m.as_object_mut(), extra.as_object()) {
        m.extend(extra.clone());
    }
    m
}

async fn method(
    State(shared): State<Shared>,
    Path((_token, method)): Path<(String, String)>,
    request: axum::extract::Request,
) -> Response {
    // Telegram's method names are case-insensitive (teloxide sends "GetMe").
    let method = method.to_ascii_lowercase();
    if method == "senddocument" {
        let Ok(form) = Multipart::from_request(request, &()).await else {
            return StatusCode::BAD_REQUEST.into_response();
        };
        return send_document(&shared, form).await;
    }
    let body = axum::body::to_bytes(request.into_body(), 1 << 20)
        .await
        .unwrap_or_default();
    // teloxide sends JSON; python-telegram-bot sends a form whose values are JSON or text.
    let body: Value = serde_json::from_slice(&body).unwrap_or_else(|_| form(&body));
    let (lock, notify) = &*shared;
    let chat = number(&body["chat_id"]).unwrap_or_default();
    let text = body["text"].as_str().unwrap_or_default().to_string();
    match method.as_str() {
        "getme" => ok(json!({"id": 1, "is_bot": true, "first_name": "bench-bot",
            "username": "bench_bot", "can_join_groups": false,
            "can_read_all_group_messages": false, "supports_inline_queries": false,
            "can_connect_to_business": false, "has_main_web_app": false})),
        "deletewebhook" => ok(json!(true)),
        "getwebhookinfo" => ok(json!({"url": "", "has_custom_certificate": false,
            "pending_update_count": 0})),
        "getupdates" => {
            let offset = number(&body["offset"]).unwrap_or(0);
            // A long poll: wait for an update, at most the bot's timeout (capped at 5 s).
            let wait =
                Duration::from_secs(number(&body["timeout"]).unwrap_or(0).clamp(0, 5) as u64);
            let deadline = tokio::time::Instant::now() + wait;
            loop {
                let woken = notify.notified();
                {
                    let mut c = lock.lock().expect("no code panics holding this lock");
                    c.updates
                        .retain(|u| u["update_id"].as_i64() >= Some(offset));
                    if !c.updates.is_empty() || c.away || tokio::time::Instant::now() >= deadline {
                        return ok(Value::Array(c.updates.clone()));
                    }
                }
                let _ = tokio::time::timeout_at(deadline, woken).await;
            }
        }
        "sendmessage" => {
            let mut c = lock.lock().expect("no code panics holding this lock");
            c.next_message += 1;
            let id = c.next_message;
            c.events.push(Event::Sent {
                chat,
                id,
                text: text.clone(),
            });
            ok(message(chat, id, json!({"text": text})))
        }
        "editmessagetext" => {
            let id = number(&body["message_id"]).unwrap_or_default();
            let mut c = lock.lock().expect("no code panics holding this lock");
            c.events.push(Event::Edited {
                chat,
                id,
                text: text.clone(),
            });
            ok(message(chat, id, json!({"text": text})))
        }
        _ => (
            StatusCode::NOT_FOUND,
            axum::Json(json!({"ok": false, "error_code": 404,
            "description": "Not Found: method not found"})),
        )
            .into_response(),
    }
}

async fn send_document(shared: &Shared, mut form: Multipart) -> Response {
    let (mut chat, mut name, mut bytes) = (0, String::new(), 0);
    while let Ok(Some(field)) = form.next_field().await {
        let field_name = field.name().unwrap_or_default().to_string();
        let file_name = field.file_name().map(String::from);
        let Ok(data) = field.bytes().await else { break };
        // The file comes in a part of its own ("document" says attach://ID).
        match (field_name.as_str(), file_name) {
            ("chat_id", _) => chat = String::from_utf8_lossy(&data).parse().unwrap_or_default(),
            (_, Some(file_name)) => (name, bytes) = (file_name, data.len()),
            _ => {}
        }
    }
    let mut c = shared.0.lock().expect("no code panics holding this lock");
    c.next_message += 1;
    let id = c.next_message;
    c.events.push(Event::Document {
        chat,
        name: name.clone(),
        bytes,
    });
    let document = json!({"file_id": format!("file{id}"), "file_unique_id": format!("u{id}"),
        "file_name": name});
    ok(message(chat, id, json!({"document": document})))
}

/// A number sent as JSON or as text.
fn number(value: &Value) -> Option<i64> {
    value.as_i64().or_else(|| value.as_str()?.parse().ok())
}

/// An application/x-www-form-urlencoded body as a JSON object of its fields.
fn form(body: &[u8]) -> Value {
    let decode = |s: &str| {
        let mut bytes = Vec::new();
        let mut input = s.bytes();
        while let Some(b) = input.next() {
            match b {
                b'+' => bytes.push(b' '),
                b'%' => {
                    let hex: String = input.by_ref().take(2).map(char::from).collect();
                    bytes.push(u8::from_str_radix(&hex, 16).unwrap_or(b'?'));
                }
                b => bytes.push(b),
            }
        }
        String::from_utf8_lossy(&bytes).to_string()
    };
    let text = String::from_utf8_lossy(body);
    let fields = text.split('&').filter_map(|pair| pair.split_once('='));
    let fields = fields.map(|(k, v)| (decode(k), Value::String(decode(v))));
    Value::Object(fields.collect())
}
