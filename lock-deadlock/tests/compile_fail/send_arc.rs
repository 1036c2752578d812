//! Compiles: send_rc.rs with `Arc` in place of `Rc`. An `Arc` counts its clones atomically,
//! so a clone may be sent to another thread (`Arc<T>` is `Send` when `T` is `Send` and
//! `Sync`); the `Mutex` makes the balance inside safe to change from both.

use std::sync::{Arc, Mutex};

pub fn no_race() -> i64 {
    let balance = Arc::new(Mutex::new(0_i64));
    let theirs = Arc::clone(&balance);
    let t = std::thread::spawn(move || {
        *theirs.lock().expect("no thread panics while holding it") += 5;
    });
    *balance.lock().expect("no thread panics while holding it") -= 5;
    t.join().expect("the thread does not panic");
    *balance.lock().expect("no thread panics while holding it")
}
