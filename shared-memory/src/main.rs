//! Memory shared by two processes: an anonymous shared mapping, made before fork, holds a
//! balance and an array. A child process adds +1 while the parent adds -1, the same number of
//! times: a load then a store loses updates, an atomic `fetch_add` loses none. Then the child
//! squares the array and the parent reads the result.
//!
//! Python: `multiprocessing.Value('i', 200)` and `Array('i', [2, 3, 5])` (and the Lock that
//! `fetch_add` makes unnecessary here).
//!
//! Run with: cargo run -p shared-memory [-- UPDATES]   (per process, default 10000000)
//!
//! Expected output (Unix only; the first balance varies from run to run):
//! ```text
//! Balance starts at 200; a child process adds +1, the parent process 7011 adds -1, 10000000 times each.
//! load then store: Balance is -3081327 (at least 3081527 updates lost)
//! fetch_add: Balance is 200
//! the child squared [2, 3, 5]; the parent reads [4, 9, 25]
//! ```
use std::error::Error;

const USAGE: &str = "usage: shared-memory [UPDATES]   (UPDATES per process: 0 to 100000000)";

fn main() {
    if let Err(e) = run() {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let updates = match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        [] => 10_000_000,
        ["-h" | "--help"] => {
            println!("{USAGE}");
            return Ok(());
        }
        [n] => match n.parse::<u64>() {
            Ok(n) if n <= 100_000_000 => n,
            _ => {
                return Err(format!(
                    "bad UPDATES {n:?}: expected a whole number from 0 to 100000000"
                )
                .into());
            }
        },
        _ => return Err(format!("unexpected arguments {:?} (try --help)", args.join(" ")).into()),
    };
    #[cfg(unix)]
    return unix::demo(updates);
    #[cfg(not(unix))]
    {
        let _ = updates;
        println!(
            "shared-memory is Unix-only (fork and mmap). On any OS, threads share memory: see lock-deadlock (AtomicI64, Mutex)."
        );
        Ok(())
    }
}

#[cfg(unix)]
mod unix {
    use nix::sys::mman::{MapFlags, ProtFlags, mmap_anonymous, munmap};
    use nix::sys::wait::{WaitStatus, waitpid};
    use nix::unistd::{ForkResult, fork, getpid};
    use std::error::Error;
    use std::num::NonZeroUsize;
    use std::ptr::NonNull;
    use std::sync::atomic::{AtomicI32, AtomicI64, AtomicU32, Ordering::Relaxed, Ordering::SeqCst};

    const START: i64 = 200;

    /// What lives in the shared pages. Atomics only: both processes touch it at once, and a
    /// plain access racing with another is undefined behaviour, between processes as between
    /// threads. The lost updates below come from splitting load and store, not from UB.
    #[repr(C)]
    struct Shared {
        balance: AtomicI64,    // Value('i', 200)
        array: [AtomicI32; 3], // Array('i', [2, 3, 5])
        ready: AtomicU32,      // a starting line, so that the two loops really overlap
    }

    /// Owns the mapping; unmaps it on drop (the child never drops it: it `_exit`s).
    struct SharedMap(NonNull<Shared>);

    impl SharedMap {
        fn new() -> nix::Result<Self> {
            let len = NonZeroUsize::new(size_of::<Shared>()).expect("Shared is not empty");
            // SAFETY: a fresh mapping at an address of the kernel's choosing, so no existing
            // memory changes. It is page-aligned (enough for any field), zero-filled, and all
            // zero bytes are a valid `Shared`. MAP_SHARED: a forked child sees the same pages.
            let ptr = unsafe {
                mmap_anonymous(
                    None,
                    len,
                    ProtFlags::PROT_READ | ProtFlags::PROT_WRITE,
                    MapFlags::MAP_SHARED,
                )?
            };
            Ok(Self(ptr.cast()))
        }

        fn get(&self) -> &Shared {
            // SAFETY: the pointer is valid and initialised (see `new`) until `drop`, which
            // needs `&mut self`, so no `&Shared` outlives the mapping; only shared references
            // are ever made, and every field is an atomic, which may be changed through one.
            unsafe { self.0.as_ref() }
        }
    }

    impl Drop for SharedMap {
        fn drop(&mut self) {
            // SAFETY: this is the address and length mmap gave us, and no reference into the
            // mapping is left (see `get`). An error here could only mean a bad argument.
            let _ = unsafe { munmap(self.0.cast(), size_of::<Shared>()) };
        }
    }

    /// Forks; the child runs `child_work` and `_exit`s, the parent runs `parent_work` and
    /// reaps the child.
    ///
    /// # Safety
    /// Until it exits, the child of a program that may have several threads must only make
    /// async-signal-safe calls: another thread might have held a lock (say the allocator's)
    /// at the moment of the fork, and in the child it stays locked for ever. So `child_work`
    /// must only touch memory: no allocation, no printing, no locks, no panic.
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

    /// Each process arrives and waits for the other, so both are surely running when the
    /// loops start. The wait is bounded (2^26 spins, about a second): should one of them die
    /// first, the other goes on alone rather than spinning for ever.
    fn starting_line(ready: &AtomicU32) {
        ready.fetch_add(1, SeqCst);
        let mut spins = 0_u32;
        while ready.load(SeqCst) < 2 && spins < 1 << 26 {
            std::hint::spin_loop();
            spins += 1;
        }
    }

    /// How each process changes the balance.
    #[derive(Clone, Copy)]
    enum Update {
        /// The tutorial's race, written out: read, compute, write back. The other process can
        /// store in between, and then one of the two updates is lost.
        LoadThenStore,
        /// One indivisible read-modify-write: nothing can come in between.
        FetchAdd,
    }

    /// Child adds +1 `updates` times while the parent adds -1 as often; returns the balance.
    fn tug_of_war(shared: &Shared, updates: u64, how: Update) -> Result<i64, Box<dyn Error>> {
        shared.balance.store(START, SeqCst);
        shared.ready.store(0, SeqCst);
        let run = move |delta: i64| {
            move || {
                starting_line(&shared.ready);
                for _ in 0..updates {
                    match how {
                        Update::LoadThenStore => {
                            let value = shared.balance.load(Relaxed);
                            shared.balance.store(value.wrapping_add(delta), Relaxed);
                        }
                        Update::FetchAdd => _ = shared.balance.fetch_add(delta, Relaxed),
                    }
                }
            }
        };
        // SAFETY: the child's closure only does atomic operations on the shared mapping,
        // wrapping arithmetic and a bounded spin (its counter stops at 2^26, so it cannot
        // overflow): no allocation, no lock, no panic.
        unsafe { fork_and_wait(run(1), run(-1))? };
        Ok(shared.balance.load(Relaxed))
    }

    pub fn demo(updates: u64) -> Result<(), Box<dyn Error>> {
        let map = SharedMap::new().map_err(|e| format!("mmap: {e}"))?;
        let shared = map.get();

        println!(
            "Balance starts at {START}; a child process adds +1, the parent process {} adds -1, {updates} times each.",
            getpid()
        );
        let racy = tug_of_war(shared, updates, Update::LoadThenStore)?;
        // On two free cores the loops interleave finely and lose many updates; sharing one core
        // they lose some only when the scheduler switches between a load and its store. The end
        // value is START + (+1s kept) - (-1s kept), with at most `updates` of each kept, so its
        // distance from START never exceeds the number of updates lost: a true lower bound.
        match racy.abs_diff(START) {
            0 => {
                println!("load then store: Balance is {racy} (no net loss this time: run it again)")
            }
            lost => println!("load then store: Balance is {racy} (at least {lost} updates lost)"),
        }
        let exact = tug_of_war(shared, updates, Update::FetchAdd)?;
        println!("fetch_add: Balance is {exact}");

        let before = [2, 3, 5];
        shared
            .array
            .iter()
            .zip(before)
            .for_each(|(slot, v)| slot.store(v, Relaxed));
        let square_all = || {
            shared.array.iter().for_each(|slot| {
                let v = slot.load(Relaxed);
                slot.store(v.wrapping_mul(v), Relaxed);
            })
        };
        // SAFETY: the child only loads, multiplies (wrapping: no panic) and stores atomics.
        unsafe { fork_and_wait(square_all, || ())? };
        let after = shared.array.each_ref().map(|slot| slot.load(Relaxed));
        println!("the child squared {before:?}; the parent reads {after:?}");
        Ok(())
    }
}
