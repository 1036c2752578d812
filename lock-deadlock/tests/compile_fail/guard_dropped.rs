//! Compiles: guard_across_await.rs with the guard in a block that ends before the `.await`,
//! so the task holds no guard where it may move to another thread. (Calling `drop(b)` before
//! the `.await` is still refused: rustc counts the guard as held to the end of its scope.)

use std::sync::{Arc, Mutex};
use std::time::Duration;

pub fn deposit(balance: Arc<Mutex<i64>>) {
    tokio::spawn(async move {
        {
            let mut b = balance.lock().expect("no task panics while holding it");
            *b += 5;
        } // `b` is dropped here: the lock is free again.
        tokio::time::sleep(Duration::from_millis(10)).await;
        *balance.lock().expect("no task panics while holding it") -= 5;
    });
}
