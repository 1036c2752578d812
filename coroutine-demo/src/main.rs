//! Coroutines: a consumer that is an async task, and two coroutines sharing one thread.
//!
//! Python idea: `produce(c)` drives the generator `consumer()` with `c.send(n)` and gets
//! `'200 OK'` back; a coroutine can pause anywhere and let another one run.
//!
//! In Rust the consumer is an async task that waits on a channel. Each message carries a
//! one-shot reply channel, so `send` + `await` on the reply is `c.send(n)`: the producer
//! stops until the consumer has answered, which is why the lines strictly alternate.
//! Part two runs two coroutines (futures) on one thread: nothing runs in parallel, and the
//! only places where one hands over to the other are its `.await` points.
//!
//! Run with: cargo run -p coroutine-demo
//!
//! ```text
//! [PRODUCER] Producing 1...
//! [CONSUMER] Consuming 1...
//! [PRODUCER] Consumer return: 200 OK
//! ... (the same three lines for 2, 3, 4 and 5)
//! [CONSUMER] Closed by the producer, consumer ends.
//! two coroutines on one thread:
//! 1
//! 2
//! x
//! y
//! 3
//! z
//! ```
//!
//! To copy: `cargo add tokio@1 --features full`

use std::error::Error;
use tokio::sync::{mpsc, oneshot};
use tokio::task::yield_now;

// ANCHOR: idea
/// What the producer sends: a number and where to put the answer.
type Request = (u32, oneshot::Sender<&'static str>);

/// The coroutine: like `n = yield r`, it waits for the next number, then answers it.
async fn consumer(mut inbox: mpsc::Receiver<Request>) {
    // `recv` returns None once every sender is dropped: that is Python's `c.close()`.
    while let Some((n, reply)) = inbox.recv().await {
        println!("[CONSUMER] Consuming {n}...");
        // The producer may have given up waiting; a lost answer is not an error here.
        let _ = reply.send("200 OK");
    }
    println!("[CONSUMER] Closed by the producer, consumer ends.");
}

async fn produce(outbox: mpsc::Sender<Request>) -> Result<(), Box<dyn Error>> {
    for n in 1..=5 {
        println!("[PRODUCER] Producing {n}...");
        let (reply_tx, reply_rx) = oneshot::channel();
        outbox.send((n, reply_tx)).await?;
        // Waiting for the reply is what makes producer and consumer take turns.
        let r = reply_rx.await?;
        println!("[PRODUCER] Consumer return: {r}");
    }
    Ok(()) // `outbox` is dropped here, which ends the consumer's loop.
}

// One thread, like Python's event loop: every task below runs on it, taking turns.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn Error>> {
    // Capacity 1, the smallest tokio allows: even a producer that did not wait for replies
    // could get only one number ahead. Here the wait for each reply sets the pace.
    let (tx, rx) = mpsc::channel(1);
    let consumer_task = tokio::spawn(consumer(rx));
    produce(tx).await?;
    consumer_task.await?;

    // `join!` runs both futures inside this one task, so they share the thread by
    // construction. `biased;` makes it poll them in the order written (a, then b) each time
    // it is woken, so the output is always 1 2 x y 3 z: the interleaving the tutorial
    // describes, decided only by where each coroutine yields.
    println!("two coroutines on one thread:");
    tokio::join!(biased; a(), b());
    Ok(())
}
// ANCHOR_END: idea

/// Part two: prints 1, 2, then gives the thread away, then 3.
async fn a() {
    println!("1");
    println!("2");
    yield_now().await; // The only point where `b` can get in.
    println!("3");
}

async fn b() {
    println!("x");
    println!("y");
    yield_now().await;
    println!("z");
}
