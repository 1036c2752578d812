"""The queue between threads: two producer threads put A, B and C, two consumers get them.

Mirrors Liao Xuefeng's Python tutorial, 进程和线程 (processes and threads): the Queue of
进程间通信 (inter-process communication), used between threads (多线程) instead.
https://www.liaoxuefeng.com/wiki/1016959663602400/1017628290184064

The Rust twin is src/bin/queue-threads.rs. Its channel closes by itself when the last
sender is dropped; a queue.Queue cannot be closed (before Python 3.13), so here each
consumer stops at a None put for it once the producers are done.

Run with: python3 queue-demo/queue_threads.py
"""

import random
import threading
import time
from queue import Queue

ITEMS = ["A", "B", "C"]
PRODUCERS = 2
CONSUMERS = 2


def say(line: str) -> None:
    """Prints the line in one write: print() may send the text and its newline in two
    writes, and another thread's line could come in between."""
    print(line + "\n", end="", flush=True)


# ANCHOR: idea
def produce(q: Queue[str | None], p: int) -> None:
    for letter in ITEMS:
        item = f"{letter}{p}"
        say(f"[producer-{p}] Put {item} to queue...")
        q.put(item)
        time.sleep(random.uniform(0.01, 0.1))


def consume(q: Queue[str | None], c: int, got: list[int]) -> None:
    for item in iter(q.get, None):  # q.get() until it returns the None that says stop
        say(f"[consumer-{c}] Get {item} from queue.")
        got[c - 1] += 1  # each consumer counts in a slot of its own


def main() -> None:
    say(f"Threads: {PRODUCERS} producers, {CONSUMERS} consumers, one queue")
    q: Queue[str | None] = Queue()
    got = [0] * CONSUMERS
    producers = [threading.Thread(target=produce, args=(q, p)) for p in range(1, PRODUCERS + 1)]
    consumers = [
        threading.Thread(target=consume, args=(q, c, got)) for c in range(1, CONSUMERS + 1)
    ]
    for thread in producers + consumers:
        thread.start()
    for thread in producers:
        thread.join()
    for _ in consumers:
        q.put(None)  # one stop sign per consumer, after every item
    for thread in consumers:
        thread.join()
    say(f"threads: {PRODUCERS * len(ITEMS)} put, {sum(got)} got")
    say("Python: a queue.Queue cannot be closed, so each consumer stopped at a None put for it")
# ANCHOR_END: idea


if __name__ == "__main__":
    main()
