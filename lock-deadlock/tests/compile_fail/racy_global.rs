//! Does NOT compile, on purpose: Python's `global balance` translated word for word as a
//! `static mut`. Any thread could touch it at any time, so Rust allows that only inside
//! `unsafe`, where the programmer promises there is no race: E0133.

static mut BALANCE: i64 = 0;

pub fn change_it(n: i64) {
    BALANCE += n;
    BALANCE -= n;
}
