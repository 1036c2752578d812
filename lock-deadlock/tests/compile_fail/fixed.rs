//! Compiles: the control case. Same threads as racy.rs, with the balance in a `Mutex`, so
//! each change happens while holding the lock, and both threads may share `&balance`.

use std::sync::Mutex;

pub fn no_race() -> i64 {
    let balance = Mutex::new(0_i64);
    std::thread::scope(|s| {
        for n in [5, 8] {
            let balance = &balance;
            s.spawn(move || {
                for _ in 0..100_000 {
                    let mut b = balance.lock().expect("no thread panics while holding it");
                    *b += n;
                    *b -= n;
                }
            });
        }
    });
    balance
        .into_inner()
        .expect("no thread panicked while holding it")
}
