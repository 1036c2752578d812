//! Serving an axum app as async-web does, with time limits: `axum::serve` sets none on
//! request heads, so idle connections could hold every file descriptor, and none on shutdown.

use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::{server::graceful::GracefulShutdown, service::TowerToHyperService};
use std::error::Error;
use std::time::Duration;
use tokio::{net::TcpListener, runtime::Runtime, signal, time::sleep};

/// Tokio's default is one worker per core. Two, so that the two /primes computed inline fill
/// every worker on any machine, as a busy server's many requests would.
const WORKER_THREADS: usize = 2;
/// A client must send its whole request head within this, or its connection is closed.
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// After Ctrl-C, how long the requests in flight get before the process exits anyway.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(3);

/// A runtime of its own and a listener on 127.0.0.1:`port`.
pub fn listen(port: u16) -> Result<(Runtime, TcpListener), Box<dyn Error>> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(WORKER_THREADS)
        .enable_all()
        .build()?;
    let listener = runtime.block_on(TcpListener::bind(("127.0.0.1", port)));
    let listener = listener.map_err(|e| format!("listen on 127.0.0.1:{port}: {e}"))?;
    Ok((runtime, listener))
}

/// Serves `app` until `stop` completes, then returns the open connections, to be waited for.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    stop: impl Future<Output = ()>,
) -> GracefulShutdown {
    let service = TowerToHyperService::new(app);
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT);
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
            () = &mut stop => return connections,
        };
        let connection = http.serve_connection(TokioIo::new(stream), service.clone());
        // One task per connection; hyper drops its handler if the client disconnects.
        tokio::spawn(connections.watch(connection));
    }
}

/// Serves `app` until Ctrl-C, gives open requests SHUTDOWN_GRACE (a second Ctrl-C: none),
/// and says how it stopped.
pub async fn serve_until_ctrl_c(listener: TcpListener, app: Router) -> &'static str {
    let ctrl_c = async { signal::ctrl_c().await.expect("install a Ctrl-C handler") };
    let connections = serve(listener, app, ctrl_c).await;
    tokio::select! {
        () = connections.shutdown() => "Server stopped.",
        () = sleep(SHUTDOWN_GRACE) => "Server stopped: connections still open after 3 s were cut.",
        _ = signal::ctrl_c() => "Server stopped at once.",
    }
}
