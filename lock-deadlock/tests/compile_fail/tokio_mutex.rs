//! Compiles: guard_across_await.rs with `tokio::sync::Mutex`, for when the lock must stay
//! taken across the `.await`. Its `lock()` is awaited, so a task waiting for it lets its
//! worker thread run others, and its guard is `Send`. It costs more than std's `Mutex`: use
//! it only where a guard is held across an `.await`.

use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Mutex;

pub fn deposit(balance: Arc<Mutex<i64>>) {
    tokio::spawn(async move {
        let mut b = balance.lock().await;
        *b += 5;
        tokio::time::sleep(Duration::from_millis(10)).await;
        *b -= 5;
    });
}
