//! Does NOT compile, on purpose: an `Rc` moved into a thread from `std::thread::spawn`.
//! `Rc` counts its clones with a plain integer, so two threads cloning or dropping it at
//! once could lose a count and free the value while it is still in use. `Rc` is not `Send`,
//! and `spawn` takes only a closure that is, so Rust refuses with E0277 (`Rc<...>` cannot be
//! sent between threads safely). The `Mutex` inside does not help: the count is outside it.
//! The fix is `Arc`, whose count is atomic: send_arc.rs.

use std::rc::Rc;
use std::sync::Mutex;

pub fn race() -> i64 {
    let balance = Rc::new(Mutex::new(0_i64));
    let theirs = Rc::clone(&balance);
    let t = std::thread::spawn(move || {
        *theirs.lock().expect("no thread panics while holding it") += 5;
    });
    *balance.lock().expect("no thread panics while holding it") -= 5;
    t.join().expect("the thread does not panic");
    *balance.lock().expect("no thread panics while holding it")
}
