//! Memory shared by two processes: an anonymous shared mapping, made before fork, holds a
//! balance and an array. A child process adds +1 while the parent adds -1, the same number of
//! times: a load then a store loses updates, an atomic `fetch_add` loses none. Then the child
//! squares the array and the parent reads the result.
//!
//! Python: `multiprocessing.Value('q', 200)` and `Array('i', [2, 3, 5])`, and the `Lock`
//! that `fetch_add` makes unnecessary here (twin: `shared_memory.py`).
//!
//! Run with: cargo run -p shared-memory
//!
//! Expected output (Unix only; the first balance varies from run to run):
//! ```text
//! Balance starts at 200; a child process adds +1, the parent process 7011 adds -1, 10000000 times each.
//! load then store: Balance is -3081327 (at least 3081527 updates lost)
//! fetch_add: Balance is 200
//! the child squared [2, 3, 5]; the parent reads [4, 9, 25]
//! ```
//!
//! To copy: `cargo add nix@0.31 --features process,mman`
// fork and mmap exist only on Unix; elsewhere `main` (at the end) says so.
#![cfg_attr(not(unix), allow(dead_code, unused_imports))]
#[cfg(unix)]
use nix::sys::mman::{MapFlags, ProtFlags, mmap_anonymous};
#[cfg(unix)]
use nix::sys::wait::{WaitStatus, waitpid};
#[cfg(unix)]
use nix::unistd::{ForkResult, fork, getpid};
use std::error::Error;
use std::sync::atomic::{AtomicI32, AtomicI64, Ordering::Relaxed};

const START: i64 = 200;
/// How many times each process changes the balance.
const UPDATES: u32 = 10_000_000;

// ANCHOR: idea
/// What lives in the shared pages: `Value('q', 200)` and `Array('i', [2, 3, 5])`. Atomics
/// only: both processes touch them at once, and a plain access racing with another is
/// undefined behaviour, between processes as between threads. The lost updates below come
/// from splitting the load and the store, not from UB.
#[repr(C)]
struct Shared {
    balance: AtomicI64,
    array: [AtomicI32; 3],
}

#[cfg(unix)]
fn main() -> Result<(), Box<dyn Error>> {
    let shared = shared_mapping()?;
    println!(
        "Balance starts at {START}; a child process adds +1, the parent process {} adds -1, {UPDATES} times each.",
        getpid()
    );
    // The tutorial's race, written out: read, compute, write back. The other process can
    // store in between, and then one of the two updates is lost.
    // SAFETY: the closure, run in the forked child, only loads and stores an atomic in the
    // shared mapping, with wrapping arithmetic: no allocation, no lock, no panic.
    let racy = unsafe {
        tug_of_war(shared, |delta| {
            let value = shared.balance.load(Relaxed);
            shared.balance.store(value.wrapping_add(delta), Relaxed);
        })?
    };
    // The balance ends START + (the +1s kept) - (the -1s kept), so its distance from START
    // can only understate the updates lost. By chance it may even be 0.
    let lost = racy.abs_diff(START);
    println!("load then store: Balance is {racy} (at least {lost} updates lost)");
    // One indivisible read-modify-write: nothing can come in between.
    // SAFETY: as above, the closure only does an atomic fetch_add on the shared mapping.
    let exact =
        unsafe { tug_of_war(shared, |delta| _ = shared.balance.fetch_add(delta, Relaxed))? };
    println!("fetch_add: Balance is {exact}");

    let before = [2, 3, 5];
    for (slot, value) in shared.array.iter().zip(before) {
        slot.store(value, Relaxed);
    }
    // SAFETY: the child only loads, multiplies (wrapping: no panic) and stores atomics.
    unsafe {
        fork_and_wait(
            || {
                for slot in &shared.array {
                    let value = slot.load(Relaxed);
                    slot.store(value.wrapping_mul(value), Relaxed);
                }
            },
            || (),
        )?
    };
    let after = shared.array.each_ref().map(|slot| slot.load(Relaxed));
    println!("the child squared {before:?}; the parent reads {after:?}");
    Ok(())
}

/// The child adds +1 `UPDATES` times while the parent adds -1 as often, each with `add`;
/// returns the balance once the child has exited.
///
/// # Safety
/// `add` runs in a forked child, so it must be as [`fork_and_wait`]'s `child_work`: only
/// touch memory (atomics in the shared mapping), with no allocation, no lock, no panic.
#[cfg(unix)]
unsafe fn tug_of_war(shared: &Shared, add: impl Fn(i64)) -> Result<i64, Box<dyn Error>> {
    shared.balance.store(START, Relaxed);
    let add = &add;
    let add_all = |delta| move || (0..UPDATES).for_each(|_| add(delta));
    // SAFETY: the child runs only `add`, which this function's caller vouches for, in a loop
    // that neither allocates nor panics.
    unsafe { fork_and_wait(add_all(1), add_all(-1))? };
    Ok(shared.balance.load(Relaxed))
}
// ANCHOR_END: idea

/// A mapping that a forked child shares: `MAP_SHARED`, and made before the fork. Never
/// unmapped: it lives as long as the process, hence `'static`.
#[cfg(unix)]
fn shared_mapping() -> nix::Result<&'static Shared> {
    let len = std::num::NonZeroUsize::new(size_of::<Shared>()).expect("Shared is not empty");
    let read_write = ProtFlags::PROT_READ | ProtFlags::PROT_WRITE;
    // SAFETY: a fresh mapping at an address of the kernel's choosing, so no existing memory
    // changes. MAP_SHARED: a forked child sees the same pages, not a copy.
    let pages = unsafe { mmap_anonymous(None, len, read_write, MapFlags::MAP_SHARED)? };
    // SAFETY: the pages are page-aligned (enough for any field) and zero-filled, and all zero
    // bytes are a valid `Shared`. They are never unmapped, and only shared references to them
    // are made, through which atomics may change: so `&'static Shared` is sound.
    Ok(unsafe { pages.cast().as_ref() })
}

/// Forks; the child runs `child_work` and exits while the parent runs `parent_work`, and
/// then reaps the child.
///
/// # Safety
/// Until it exits, the child of a program that may have several threads must only make
/// async-signal-safe calls: another thread might have held a lock (say the allocator's) at
/// the moment of the fork, and in the child it stays locked for ever. So `child_work` must
/// only touch memory: no allocation, no printing, no locks, no panic.
#[cfg(unix)]
unsafe fn fork_and_wait(
    child_work: impl FnOnce(),
    parent_work: impl FnOnce(),
) -> Result<(), Box<dyn Error>> {
    // SAFETY: the child runs only `child_work`, async-signal-safe by this function's
    // contract, and then `_exit`, which is async-signal-safe too.
    match unsafe { fork()? } {
        ForkResult::Child => {
            child_work();
            // SAFETY: `_exit` ends the process at once. Unlike `exit`, it runs no atexit
            // handlers and flushes no stdio buffers copied from the parent.
            unsafe { nix::libc::_exit(0) }
        }
        ForkResult::Parent { child } => {
            parent_work();
            // The kernel makes the child's stores visible to us by the time waitpid
            // reports its exit, so Relaxed loads afterwards see its final values.
            match waitpid(child, None)? {
                WaitStatus::Exited(_, 0) => Ok(()),
                other => Err(format!("child process {child}: {other:?}").into()),
            }
        }
    }
}

#[cfg(not(unix))]
fn main() {
    println!(
        "shared-memory is Unix-only (fork and mmap). Threads share memory on any OS: see lock-deadlock."
    );
}
