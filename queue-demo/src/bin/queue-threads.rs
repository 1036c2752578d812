//! The queue between threads: two producer threads put A, B and C (marked with their
//! number), two consumer threads get them, all through one crossbeam channel.
//!
//! Python: one `queue.Queue()` shared by `threading.Thread`s; each consumer stops at a
//! `None` put for it (twin: `queue_threads.py`).
//!
//! What changes from processes (queue-demo): threads share memory, so the channel carries
//! Rust values as they are, with no bytes and no framing; and it closes by itself once every
//! sender is dropped, which ends the consumers' loops: no terminate() (a thread cannot be
//! killed anyway), and nothing put is lost. Why crossbeam: std's `mpsc` channel has a single
//! receiver, while crossbeam's receiver can be cloned, so two consumers take from one
//! channel, as two threads calling `q.get()` do.
//!
//! Run with: cargo run -p queue-demo --bin queue-threads
//!
//! Expected output (the order of the middle lines varies from run to run):
//! ```text
//! Threads: 2 producers, 2 consumers, one queue
//! [producer-1] Put A1 to queue...
//! [producer-2] Put A2 to queue...
//! [consumer-1] Get A1 from queue.
//! [consumer-2] Get A2 from queue.
//! ...
//! threads: 6 put, 6 got
//! the channel closed itself when the last sender was dropped
//! ```
//!
//! To copy: `cargo add crossbeam@0.8 rand@0.10`
use crossbeam::channel;
use rand::random_range;
use std::thread;
use std::time::Duration;

const ITEMS: [&str; 3] = ["A", "B", "C"];
const PRODUCERS: usize = 2;
const CONSUMERS: usize = 2;

// ANCHOR: idea
fn main() {
    println!("Threads: {PRODUCERS} producers, {CONSUMERS} consumers, one queue");
    let (sender, receiver) = channel::unbounded::<String>();
    let got: usize = thread::scope(|s| {
        for p in 1..=PRODUCERS {
            let sender = sender.clone();
            s.spawn(move || {
                for item in ITEMS.map(|letter| format!("{letter}{p}")) {
                    println!("[producer-{p}] Put {item} to queue...");
                    sender
                        .send(item)
                        .expect("the receivers live as long as the scope");
                    thread::sleep(Duration::from_millis(random_range(10..100)));
                }
            }); // the thread's `sender` is dropped when it ends
        }
        drop(sender); // else our own sender would keep the channel open for ever
        let consumers: Vec<_> = (1..=CONSUMERS)
            .map(|c| {
                let receiver = receiver.clone();
                // iter() waits for the next item, and ends once the channel is empty and
                // closed: the consumer's `while True: q.get()` with its way out built in.
                s.spawn(move || {
                    receiver
                        .iter()
                        .inspect(|item| println!("[consumer-{c}] Get {item} from queue."))
                        .count()
                })
            })
            .collect();
        consumers
            .into_iter()
            .map(|consumer| consumer.join().expect("a consumer only prints"))
            .sum()
    });
    println!("threads: {} put, {got} got", PRODUCERS * ITEMS.len());
    println!("the channel closed itself when the last sender was dropped");
}
// ANCHOR_END: idea
