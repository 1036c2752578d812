//! A web server on tokio and axum: `/hello/{name}` waits 0.5 s, yet many requests overlap.
//!
//! Python idea: an aiohttp app whose handler does `await asyncio.sleep(0.5)`; while one
//! request sleeps, the same server answers the others.
//!
//! `/` gives `<h1>Index</h1>`; `/hello/{name}` gives `<h1>hello, {name}!</h1>` after an
//! async sleep (a stand-in for a slow database), with `name` HTML-escaped so that a name like
//! `<script>` is shown, not run; any other path is a 404. The server stops cleanly on Ctrl-C:
//! it stops accepting, lets requests in flight finish, then returns.
//!
//! Run with: cargo run -p async-web   (then open http://127.0.0.1:8000/hello/Bob)
//! `-- --port 0` picks any free port; `-- --demo` serves on a free port, sends itself 50
//! requests at once, reports how long they took and exits.
//!
//! ```text
//! $ cargo run -p async-web -- --demo
//! Server started at http://127.0.0.1:41234...
//! 50 requests to /hello/... answered in 0.51 s; each waits 0.50 s, so 25.0 s one after another
//! Server stopped.
//! ```

use axum::{Router, extract::Path, http::StatusCode, response::Html, routing::get};
use std::error::Error;
use std::future::IntoFuture;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinSet;

const HELLO_DELAY: Duration = Duration::from_millis(500);
const DEFAULT_PORT: u16 = 8000;
const DEMO_REQUESTS: usize = 50;
const DEMO_LIMIT: Duration = Duration::from_secs(30);
const USAGE: &str = "usage: async-web [--port N] | async-web --demo";

fn app() -> Router {
    Router::new()
        .route("/", get(index))
        .route("/hello/{name}", get(hello))
        .fallback(not_found)
}

async fn index() -> Html<&'static str> {
    Html("<h1>Index</h1>")
}

async fn hello(Path(name): Path<String>) -> Html<String> {
    // An async sleep gives the thread back to the runtime; `std::thread::sleep` here would
    // block a worker thread and the requests would queue up behind it.
    tokio::time::sleep(HELLO_DELAY).await;
    Html(format!("<h1>hello, {}!</h1>", escape_html(&name)))
}

async fn not_found() -> (StatusCode, Html<&'static str>) {
    (StatusCode::NOT_FOUND, Html("<h1>404 Not Found</h1>"))
}

/// User text placed in HTML must not be able to open a tag or an attribute.
fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Box<dyn Error>> {
    let (mut port, mut demo) = (DEFAULT_PORT, false);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            "--demo" => (demo, port) = (true, 0),
            "--port" => {
                let n = args.next().ok_or("--port needs a number")?;
                port = n.parse().map_err(|e| format!("--port {n}: {e}"))?;
            }
            other => return Err(format!("unknown argument {other}").into()),
        }
    }
    let listener = TcpListener::bind(("127.0.0.1", port))
        .await
        .map_err(|e| format!("listen on 127.0.0.1:{port}: {e}"))?;
    // The real address: with port 0 the OS chose it, and this line is how to find it.
    let addr = listener.local_addr()?;
    println!("Server started at http://{addr}...");

    if demo {
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let stop = async {
            let _ = stop_rx.await; // A message or a dropped sender both mean stop.
        };
        let server = axum::serve(listener, app()).with_graceful_shutdown(stop);
        let server = tokio::spawn(server.into_future());
        // Our own server answers in about HELLO_DELAY; the limit only guards against a hang.
        let result = tokio::time::timeout(DEMO_LIMIT, fire_requests(addr))
            .await
            .unwrap_or_else(|_| Err(format!("no answers within {DEMO_LIMIT:?}").into()));
        let _ = stop_tx.send(());
        server.await??; // Returns once the server has finished every open connection.
        result?;
    } else {
        axum::serve(listener, app())
            .with_graceful_shutdown(ctrl_c())
            .await?;
    }
    println!("Server stopped.");
    Ok(())
}

async fn ctrl_c() {
    if let Err(e) = tokio::signal::ctrl_c().await {
        // Without a handler we cannot stop gracefully; keep serving rather than quit now.
        eprintln!("error: listen for Ctrl-C: {e}");
        std::future::pending::<()>().await;
    }
}

/// `--demo`: 50 requests at once, each answered after HELLO_DELAY.
async fn fire_requests(addr: SocketAddr) -> Result<(), Box<dyn Error>> {
    let start = Instant::now();
    let mut requests = JoinSet::new();
    for i in 0..DEMO_REQUESTS {
        requests.spawn(get_page(addr, format!("/hello/user{i}")));
    }
    while let Some(response) = requests.join_next().await {
        let (path, page) = response??;
        let name = path.trim_start_matches("/hello/");
        if !page.starts_with("HTTP/1.1 200 OK") || !page.ends_with(&format!("hello, {name}!</h1>"))
        {
            return Err(format!("GET {path}: unexpected answer: {page}").into());
        }
    }
    let (took, delay) = (start.elapsed().as_secs_f64(), HELLO_DELAY.as_secs_f64());
    let in_a_row = delay * DEMO_REQUESTS as f64;
    println!(
        "{DEMO_REQUESTS} requests to /hello/... answered in {took:.2} s; \
         each waits {delay:.2} s, so {in_a_row:.1} s one after another"
    );
    Ok(())
}

/// A bare HTTP/1.1 GET over a TCP socket: enough for a demo, no client library needed.
async fn get_page(addr: SocketAddr, path: String) -> Result<(String, String), String> {
    let fetch = async {
        let mut stream = TcpStream::connect(addr).await?;
        let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).await?;
        let mut page = String::new();
        stream.read_to_string(&mut page).await?; // `Connection: close`: read until EOF.
        Ok::<_, std::io::Error>(page)
    };
    match fetch.await {
        Ok(page) => Ok((path, page)),
        Err(e) => Err(format!("GET {path}: {e}")),
    }
}
