//! asyncio's hello and gather in tokio: while one task waits, the same thread runs another.
//!
//! Python idea: `asyncio.run(hello())` prints `Hello!`, sleeps without blocking the event
//! loop, then prints `Hello again!`; `asyncio.gather(hello("Bob"), hello("Alice"))` runs two
//! such coroutines at once on that one thread, so two sleeps of 0.5 s take 0.5 s.
//!
//! The runtime here has one thread, like Python's event loop: the same thread id is printed
//! by both tasks, and Alice starts before Bob wakes up. The headers of several web sites
//! fetched at once are the next program: `cargo run -p async-io --bin wget`.
//!
//! Run with: cargo run -p async-io
//!
//! ```text
//! Hello!
//! Hello again!
//! Hello Bob! (ThreadId(1))
//! Hello Alice! (ThreadId(1))
//! Hello Bob again! (ThreadId(1))
//! Hello Alice again! (ThreadId(1))
//! gather returned: Bob, Alice
//! gather: 2 tasks done in 0.50 s, each slept 0.50 s
//! ```
//!
//! To copy: `cargo add tokio@1 --features full`

use std::error::Error;
use std::thread;
use std::time::{Duration, Instant};
use tokio::time::sleep;

// ANCHOR: idea
/// The `asyncio.sleep` of every greeting.
const DELAY: Duration = Duration::from_millis(500);

async fn hello() {
    println!("Hello!");
    sleep(DELAY).await; // The thread is free to run other tasks meanwhile.
    println!("Hello again!");
}

async fn greet(name: &'static str) -> &'static str {
    println!("Hello {name}! ({:?})", thread::current().id());
    sleep(DELAY).await;
    println!("Hello {name} again! ({:?})", thread::current().id());
    name
}

// One thread for everything: concurrency here comes from waiting well, not from parallelism.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn Error>> {
    hello().await;

    let start = Instant::now();
    // Two separate tasks, like the tasks `gather` makes, yet one thread runs both.
    let bob = tokio::spawn(greet("Bob"));
    let alice = tokio::spawn(greet("Alice"));
    // Awaiting the handles in order gives the results in order, as `gather` does.
    let names = [bob.await?, alice.await?];
    println!("gather returned: {}", names.join(", "));
    let (took, delay) = (start.elapsed().as_secs_f64(), DELAY.as_secs_f64());
    println!("gather: 2 tasks done in {took:.2} s, each slept {delay:.2} s");
    Ok(())
}
// ANCHOR_END: idea
