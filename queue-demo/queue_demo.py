"""A queue between two processes: a writer puts A, B and C, a reader gets them.

Mirrors Liao Xuefeng's Python tutorial, 进程和线程 (processes and threads), 多进程
(multiprocessing), 进程间通信 (inter-process communication): the Queue example.
https://www.liaoxuefeng.com/wiki/1016959663602400/1017628290184064

The Rust twin is src/main.rs: it builds the queue from a pipe and framed messages, which is
what multiprocessing.Queue does underneath (with pickled objects).

Run with: python3 queue-demo/queue_demo.py
"""

import multiprocessing
import os
import queue
import random
import signal
import sys
import time
from multiprocessing import Process, Queue

ITEMS = ["A", "B", "C"]


def say(line: str) -> None:
    """Prints the line whole and at once: print() may write the text and its newline apart,
    so another thread's or process's line could come between, and a line left in the buffer
    could be printed twice by a forked copy or never by a killed process."""
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


# ANCHOR: idea
def write(q: Queue) -> None:
    say(f"Process to write: {os.getpid()}")
    for value in ITEMS:
        say(f"Put {value} to queue...")
        q.put(value)
        time.sleep(random.uniform(0.05, 0.3))


def read(q: Queue, taken: Queue) -> None:
    say(f"Process to read: {os.getpid()}")
    while True:  # it never ends by itself: the parent terminates it
        value = q.get(True)
        say(f"Get {value} from queue.")
        taken.put(value)  # tell the parent, so it terminates us only once we got them all


def main() -> None:
    # MP_START_METHOD=fork, forkserver or spawn picks how processes start (unset: the default).
    try:
        multiprocessing.set_start_method(os.environ.get("MP_START_METHOD") or None)
    except ValueError as error:
        sys.exit(f"error: MP_START_METHOD: {error}")
    say(f"Python's multiprocessing start method: {multiprocessing.get_start_method()}")
    q: Queue = Queue()
    taken: Queue = Queue()
    pw = Process(target=write, args=(q,))
    pr = Process(target=read, args=(q, taken))
    pw.start()
    pr.start()
    got = 0
    try:
        pw.join()
        say(f"Writer process {pw.pid} finished: exit status: {pw.exitcode}")
        while got < len(ITEMS):
            taken.get(timeout=10)  # a deadline, so a dead reader cannot hang us
            got += 1
    except queue.Empty:
        pass
    finally:
        # The tutorial's pr.terminate() sends SIGTERM; kill() sends SIGKILL, as Rust's
        # Child::kill does, so the two runs print the same line. join() reaps it.
        pr.kill()
        pr.join()
    killed_by = signal.Signals(-pr.exitcode)
    say(f"Reader process {pr.pid} terminated: signal: {killed_by.value} ({killed_by.name})")
    say(f"processes: {len(ITEMS)} put, {got} got")
    if pw.exitcode != 0 or got != len(ITEMS):
        raise SystemExit(f"writer: exit status {pw.exitcode}; reader: got {got} items")
# ANCHOR_END: idea


if __name__ == "__main__":
    main()
