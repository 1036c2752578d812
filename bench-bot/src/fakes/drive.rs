//! A fake of Google's OAuth token endpoint and of Drive's multipart upload, on 127.0.0.1.
//! It checks that each upload carries the token it issued, logs the files it received and
//! can be told to answer the next uploads with errors (500, 401).

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use super::serve;

const TOKEN: &str = "fake-access-token";
/// A key made for these fakes and nothing else: the bot signs its token request with it.
const THROWAWAY_KEY: &str = include_str!("throwaway_key.pem");

/// A file as Drive received it.
#[derive(Clone, Debug, PartialEq)]
pub struct Received {
    pub name: String,
    pub folder: String,
    pub bytes: usize,
    pub link: String,
}

#[derive(Default)]
struct Drive {
    addr: String,
    tokens_issued: usize,
    fail_next: VecDeque<u16>,
    files: Vec<Received>,
}

type Shared = Arc<Mutex<Drive>>;

pub struct FakeDrive {
    pub addr: SocketAddr,
    shared: Shared,
    _stop: oneshot::Sender<()>,
}

impl FakeDrive {
    pub async fn start() -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let shared = Shared::default();
        shared.lock().expect("new lock").addr = addr.to_string();
        let app = Router::new()
            .route("/token", post(token))
            .route("/upload/drive/v3/files", post(upload))
            .with_state(shared.clone());
        Ok(Self {
            addr,
            shared,
            _stop: serve(listener, app),
        })
    }

    /// Drive's root URL for the bot (it adds upload/drive/v3/files).
    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    /// A service-account key file's contents whose token_uri is this fake.
    pub fn credentials(&self) -> String {
        json!({"type": "service_account", "project_id": "demo",
            "private_key_id": "demo", "private_key": THROWAWAY_KEY,
            "client_email": "bench-bot@demo.iam.gserviceaccount.com",
            "token_uri": format!("http://{}/token", self.addr)})
        .to_string()
    }

    /// The next uploads are answered with these HTTP statuses, one each.
    pub fn fail_next(&self, statuses: &[u16]) {
        self.lock().fail_next.extend(statuses);
    }

    pub fn files(&self) -> Vec<Received> {
        self.lock().files.clone()
    }

    pub fn tokens_issued(&self) -> usize {
        self.lock().tokens_issued
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Drive> {
        self.shared
            .lock()
            .expect("no code panics holding this lock")
    }
}

async fn token(State(shared): State<Shared>, body: String) -> Response {
    if !body.contains("grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer") {
        return (StatusCode::BAD_REQUEST, "unsupported grant").into_response();
    }
    shared
        .lock()
        .expect("no code panics holding this lock")
        .tokens_issued += 1;
    axum::Json(json!({"access_token": TOKEN, "expires_in": 3600, "token_type": "Bearer"}))
        .into_response()
}

fn error(status: u16, message: &str) -> Response {
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = json!({"error": {"code": status, "message": message}});
    (code, axum::Json(body)).into_response()
}

async fn upload(State(shared): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    let mut drive = shared.lock().expect("no code panics holding this lock");
    match drive.fail_next.pop_front() {
        Some(401) => return error(401, "Request had invalid authentication credentials."),
        Some(status) => return error(status, "Backend Error"),
        None => {}
    }
    let authorised = headers.get("authorization").and_then(|v| v.to_str().ok());
    if authorised != Some(&format!("Bearer {TOKEN}")) {
        return error(401, "Request is missing the access token it was issued.");
    }
    let content_type = headers.get("content-type").and_then(|v| v.to_str().ok());
    let Some((metadata, content)) = content_type.and_then(|t| split_related(t, &body)) else {
        return error(
            400,
            "expected a multipart/related body: metadata, then content",
        );
    };
    let n = drive.files.len() + 1;
    let link = format!("http://{}/file/{n}/view", drive.addr);
    let name = metadata["name"].as_str().unwrap_or_default().to_string();
    let folder = metadata["parents"][0]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let file = Received {
        name: name.clone(),
        folder,
        bytes: content.len(),
        link: link.clone(),
    };
    drive.files.push(file);
    axum::Json(
        json!({"kind": "drive#file", "id": n.to_string(), "name": name,
        "webViewLink": link}),
    )
    .into_response()
}

/// A multipart/related body: the JSON metadata part and the content part.
fn split_related<'a>(content_type: &str, body: &'a [u8]) -> Option<(Value, &'a [u8])> {
    let boundary = content_type.split("boundary=").nth(1)?.trim_matches('"');
    let delimiter = format!("--{boundary}");
    let mut parts = split(body, delimiter.as_bytes()).into_iter().skip(1);
    let (metadata, content) = (parts.next()?, parts.next()?);
    let body_of = |part: &'a [u8]| {
        let start = find(part, b"\r\n\r\n")? + 4;
        Some(
            part[start..]
                .strip_suffix(b"\r\n")
                .unwrap_or(&part[start..]),
        )
    };
    Some((
        serde_json::from_slice(body_of(metadata)?).ok()?,
        body_of(content)?,
    ))
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn split<'a>(mut body: &'a [u8], delimiter: &[u8]) -> Vec<&'a [u8]> {
    let mut parts = Vec::new();
    while let Some(at) = find(body, delimiter) {
        parts.push(&body[..at]);
        body = &body[at + delimiter.len()..];
    }
    parts.push(body);
    parts
}
