//! Does NOT compile, on purpose: a thread from `std::thread::spawn` borrowing a local.
//! Unlike a scope, `spawn` does not wait for its thread, which could outlive `balance`, so
//! Rust refuses with E0373 (closure may outlive the current function, but it borrows
//! `balance`) even for one thread. Adding `move` compiles, but gives the thread its own copy
//! of the `i64`: nothing is shared. Sharing takes `Arc<Mutex<i64>>` or an `AtomicI64`.

pub fn race() {
    let mut balance: i64 = 0;
    let t1 = std::thread::spawn(|| {
        for _ in 0..100_000 {
            balance += 5;
            balance -= 5;
        }
    });
    t1.join().ok();
}
