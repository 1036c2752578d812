//! Does NOT compile, on purpose: the tutorial's race written naively in Rust.
//! Two threads change one plain `i64` through the same `&mut`. Rust refuses with
//! E0499 (cannot borrow `balance` as mutable more than once at a time): a data race
//! is a compile error, not a wrong number found in production.

pub fn race() -> i64 {
    let mut balance: i64 = 0;
    std::thread::scope(|s| {
        s.spawn(|| {
            for _ in 0..100_000 {
                balance += 5;
                balance -= 5;
            }
        });
        s.spawn(|| {
            for _ in 0..100_000 {
                balance += 8;
                balance -= 8;
            }
        });
    });
    balance
}
