//! A web server on tokio and axum: `/hello/{name}` waits 0.5 s, yet many requests overlap.
//!
//! Python idea: an aiohttp `web.Application` whose handler does `await asyncio.sleep(0.5)`;
//! while one request sleeps, the same server answers the others.
//!
//! `/` gives `<h1>Index</h1>`; `/hello/{name}` gives `<h1>hello, {name}!</h1>` after an
//! async sleep (a stand-in for a slow database), with `name` HTML-escaped so that a name like
//! `<script>` is shown, not run; any other path is a 404. The server drops a client that
//! does not send its request head within 10 s, and on Ctrl-C it stops accepting, gives the
//! requests in flight 3 s to finish, then exits (a second Ctrl-C exits at once).
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
//!
//! To copy: `cargo add tokio@1 --features full`, `cargo add axum@0.8`,
//! `cargo add hyper@1 --features server,http1`,
//! `cargo add hyper-util@0.1.19 --features tokio,server-graceful,service,http1` and
//! `cargo add clap@4 --features derive`

use axum::{Router, extract::Path, response::Html, routing::get};
use clap::Parser;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use std::error::Error;
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::{signal, sync::oneshot, task::JoinSet, time::sleep};

const HELLO_DELAY: Duration = Duration::from_millis(500);
/// A client must send its whole request head within this, or its connection is closed.
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// After Ctrl-C, how long the requests in flight get before the process exits anyway.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(3);
const DEMO_REQUESTS: usize = 50;

// ANCHOR: idea
/// The routes; any other path gets axum's own 404 Not Found, as in aiohttp.
fn app() -> Router {
    Router::new()
        .route("/", get(index))
        .route("/hello/{name}", get(hello))
}

async fn index() -> Html<&'static str> {
    Html("<h1>Index</h1>")
}

async fn hello(Path(name): Path<String>) -> Html<String> {
    // An async sleep gives the thread back to the runtime; `std::thread::sleep` here would
    // block a worker thread and the requests would queue up behind it.
    sleep(HELLO_DELAY).await;
    Html(format!("<h1>hello, {}!</h1>", escape_html(&name)))
}
// ANCHOR_END: idea

/// Serves the app on 127.0.0.1:8000 (or `--port`), or runs the demo with `--demo`.
#[derive(Parser)]
struct Args {
    /// Port to listen on, on 127.0.0.1 (0: any free port)
    #[arg(long, default_value_t = 8000)]
    port: u16,
    /// Serve on a free port, send 50 requests at once, report the time taken, then stop
    #[arg(long, conflicts_with = "port")]
    demo: bool,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let args = Args::parse();
    let port = if args.demo { 0 } else { args.port };
    let listener = TcpListener::bind(("127.0.0.1", port))
        .await
        .map_err(|e| format!("listen on 127.0.0.1:{port}: {e}"))?;
    // The real address: with port 0 the OS chose it, and this line is how to find it.
    let addr = listener.local_addr()?;
    println!("Server started at http://{addr}...");
    if !args.demo {
        let ctrl_c = async { signal::ctrl_c().await.expect("install a Ctrl-C handler") };
        serve(listener, ctrl_c).await;
        return Ok(());
    }
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(serve(listener, async {
        let _ = stopped.await; // A message or a dropped sender both mean stop.
    }));
    // Our own server answers in about HELLO_DELAY; the limit only guards against a hang.
    let result = tokio::time::timeout(Duration::from_secs(30), fire_requests(addr)).await;
    let _ = stop.send(());
    server.await?;
    result.map_err(|_| "no answers within 30 s")?
}

/// Serves `app()` until `stop` completes, then lets open connections finish, for a while.
/// axum's own `axum::serve(listener, app())` is shorter, but sets neither a time limit on
/// request heads nor one on shutdown: a client that sends half a request would keep a
/// connection (and a file descriptor) for ever, and Ctrl-C waiting for it.
async fn serve(listener: TcpListener, stop: impl Future<Output = ()>) {
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT);
    let service = TowerToHyperService::new(app());
    let connections = GracefulShutdown::new();
    tokio::pin!(stop);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Out of file descriptors, most likely: wait for some to close, not spin.
                    eprintln!("error: accept: {e}");
                    sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut stop => break,
        };
        let connection = http.serve_connection(TokioIo::new(stream), service.clone());
        // One task per connection; a client's error ends only its own connection.
        tokio::spawn(connections.watch(connection));
    }
    drop(listener); // No new connections from here on.
    // Production servers add more: a cap on connections and on requests per client, a
    // time limit on every request and body, TLS, and a proxy in front that absorbs floods.
    tokio::select! {
        () = connections.shutdown() => println!("Server stopped."),
        () = sleep(SHUTDOWN_GRACE) => {
            let grace = SHUTDOWN_GRACE.as_secs();
            println!("Server stopped: connections still open after {grace} s were cut.");
        }
        _ = signal::ctrl_c() => println!("Server stopped at once."),
    }
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
        if !page.ends_with(&format!("\r\n\r\n<h1>hello, {name}!</h1>")) {
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
