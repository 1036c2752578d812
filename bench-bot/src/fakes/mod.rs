//! Local fakes of the services the bot talks to, so that it runs and is tested offline
//! (--demo and the tests both use them).

mod bot_api;
pub mod drive;
pub mod telegram;

use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// Serves `app` on `listener` until the returned sender is used or dropped.
fn serve(listener: TcpListener, app: Router) -> oneshot::Sender<()> {
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await;
    });
    stop
}
