"""The queue between threads: two producer threads put A, B and C, two consumers get them.

Mirrors Liao Xuefeng's Python tutorial, 进程和线程 (processes and threads): the Queue of
进程间通信 (inter-process communication), used between threads (多线程) instead.
https://www.liaoxuefeng.com/wiki/1016959663602400/1017628290184064

The Rust twin is src/bin/queue-threads.rs. Its channel closes by itself when the last
sender is dropped. A queue.Queue is closed by hand once the producers are done: from Python
3.13 with q.shutdown(), before it with a None put for each consumer, which stops at it.

Run with: python3 queue-demo/queue_threads.py
"""

import queue
import random
import sys
import threading
import time
from queue import Queue

ITEMS = ["A", "B", "C"]
PRODUCERS = 2
CONSUMERS = 2
# Python 3.13 added Queue.shutdown(): after it, get() raises ShutDown once the queue is empty.
CLOSED = (queue.ShutDown,) if hasattr(queue, "ShutDown") else ()


def say(line: str) -> None:
    """Prints the line whole and at once: print() may write the text and its newline apart,
    so another thread's or process's line could come between, and a line left in the buffer
    could be printed twice by a forked copy or never by a killed process."""
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


# ANCHOR: idea
def produce(q: Queue[str | None], p: int) -> None:
    for letter in ITEMS:
        item = f"{letter}{p}"
        say(f"[producer-{p}] Put {item} to queue...")
        q.put(item)
        time.sleep(random.uniform(0.01, 0.1))


def consume(q: Queue[str | None], c: int, got: list[int]) -> None:
    while True:
        try:
            item = q.get()
        except CLOSED:  # shut down, and empty
            break
        if item is None:  # the stop sign put for this consumer (before Python 3.13)
            break
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
    if CLOSED:
        q.shutdown()  # what is in it can still be got; then get() raises ShutDown
        how = "q.shutdown() closed it after the producers; each consumer stopped at ShutDown"
    else:
        for _ in consumers:
            q.put(None)  # one stop sign per consumer, after every item
        how = ("a queue.Queue cannot be closed before 3.13, so each consumer stopped at a None "
               "put for it")
    for thread in consumers:
        thread.join()
    say(f"threads: {PRODUCERS * len(ITEMS)} put, {sum(got)} got")
    say(f"Python: {how}")
# ANCHOR_END: idea


if __name__ == "__main__":
    main()
