//! Does NOT compile, on purpose: a `std::sync::MutexGuard` held across an `.await` in a task
//! given to `tokio::spawn`. The runtime may resume a task on another worker thread after any
//! `.await`, so `tokio::spawn` takes only a future that is `Send`. A std guard must be
//! unlocked by the thread that locked it, so it is not `Send`, and neither is a future that
//! holds one across an `.await`: "future cannot be sent between threads safely" (an error
//! without a code). Fixes: guard_dropped.rs, and tokio_mutex.rs.

use std::sync::{Arc, Mutex};
use std::time::Duration;

pub fn deposit(balance: Arc<Mutex<i64>>) {
    tokio::spawn(async move {
        let mut b = balance.lock().expect("no task panics while holding it");
        *b += 5;
        tokio::time::sleep(Duration::from_millis(10)).await;
        *b -= 5;
    });
}
