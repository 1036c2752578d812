//! Thread-local storage: one name, a separate value in every thread.
//!
//! Python: `local_school = threading.local()`; each thread sets `local_school.student`, and
//! every function it calls reads its own thread's student, with no argument passed (Liao
//! Xuefeng's Python tutorial, 进程和线程 / ThreadLocal). Then, briefly, the two alternatives
//! the tutorial rejects: passing the student down every call, and a global map keyed by
//! thread.
//!
//! Run with: cargo run -p threadlocal-demo
//!
//! Expected output (the order of the two threads' lines may vary):
//! ```text
//! Hello, Alice (in Thread-A)
//! Hello, Bob (in Thread-B)
//! thread main has no student: each value lived in its own thread
//! passed down: Hello, Alice (in Thread-A)
//! passed down: Hello, Bob (in Thread-B)
//! global map: Hello, Alice (in Thread-A)
//! global map: Hello, Bob (in Thread-B)
//! ```
//!
//! To copy: no dependencies

use std::cell::RefCell;
use std::collections::HashMap;
use std::error::Error;
use std::sync::{Barrier, LazyLock, Mutex};
use std::thread::{self, ThreadId};

// ANCHOR: idea
thread_local! {
    // One `STUDENT` per thread, created empty the first time a thread touches it. A `RefCell`
    // and no `Mutex`: no other thread can ever see this value, so there is nothing to lock.
    static STUDENT: RefCell<Option<String>> = const { RefCell::new(None) };
}

fn main() -> Result<(), Box<dyn Error>> {
    in_two_threads(|student, meet| {
        STUDENT.set(Some(student.to_owned()));
        meet.wait(); // Both threads have now set the same `STUDENT`, each its own copy.
        process_student();
    })?;
    // The main thread never set its own copy, so it sees none of the values above.
    match STUDENT.take() {
        None => println!(
            "thread {} has no student: each value lived in its own thread",
            thread_name()
        ),
        Some(name) => println!("thread {} has student {name}", thread_name()),
    }

    in_two_threads(|student, meet| {
        meet.wait();
        do_task(student);
    })?;
    in_two_threads(global_map_task)?;
    Ok(())
}

/// Deep in the call tree: reads the student without being given it.
fn process_student() {
    STUDENT.with_borrow(|student| match student {
        Some(name) => println!("Hello, {name} (in {})", thread_name()),
        None => println!("no student (in {})", thread_name()),
    });
}
// ANCHOR_END: idea

// Alternative 1, rejected by the tutorial: pass the student down every call, through
// functions that do not use it themselves. Correct, but every signature on the way pays.
fn do_task(student: &str) {
    do_subtask(student);
}
fn do_subtask(student: &str) {
    println!("passed down: Hello, {student} (in {})", thread_name());
}

// Alternative 2, rejected too: one global map keyed by thread id. Every read takes a lock
// shared by all threads, and an entry stays until someone removes it by hand.
static STUDENTS: LazyLock<Mutex<HashMap<ThreadId, String>>> = LazyLock::new(Default::default);

fn global_map_task(student: &str, meet: &Barrier) {
    let id = thread::current().id();
    let lock = || STUDENTS.lock().expect("no thread panics while holding it");
    // A temporary guard: the lock is released at the `;`, before waiting at `meet`.
    lock().insert(id, student.to_owned());
    meet.wait();
    let name = lock().remove(&id); // Forgetting to remove leaks one entry per thread.
    let name = name.as_deref().unwrap_or("nobody");
    println!("global map: Hello, {name} (in {})", thread_name());
}

/// Runs `task(student, meet)` in Thread-A with Alice and in Thread-B with Bob, at the same
/// time, and joins both (a scope joins its threads, and passes on a panic). Each task calls
/// `meet.wait()` once, after setting up its student and before reading it, so the two
/// values really exist side by side when they are read.
fn in_two_threads(task: fn(&str, &Barrier)) -> Result<(), Box<dyn Error>> {
    let meet = Barrier::new(2);
    thread::scope(|s| {
        let start = |thread: &str, student: &'static str| {
            let meet = &meet;
            let builder = thread::Builder::new().name(thread.to_owned());
            builder.spawn_scoped(s, move || task(student, meet))
        };
        start("Thread-A", "Alice")?;
        if let Err(e) = start("Thread-B", "Bob") {
            // Stand in for Thread-B at `meet`, or Thread-A would wait there forever and the
            // scope with it.
            meet.wait();
            return Err(e.into());
        }
        Ok(())
    })
}

fn thread_name() -> String {
    thread::current().name().unwrap_or("<unnamed>").to_owned()
}
