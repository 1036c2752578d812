"""Threads: a named thread, then two threads whose waits overlap. Twin of thread-demo.

Mirrors Liao Xuefeng's Python tutorial, 进程和线程 / 多线程 (threading.Thread):
https://www.liaoxuefeng.com/wiki/1016959663602400/1017628290184064
then squares and cubes of one list, first in one thread, then in two, timed.

Run with: python3 thread-demo/thread_demo.py
"""

import sys
import threading
import time

STEP = 0.1  # seconds: the loop thread's pause, and how long each number takes below
NUMBERS = [2, 3, 8, 9]


def say(line: str) -> None:
    """Prints the line whole and at once: print() may write the text and its newline apart,
    so another thread's or process's line could come between, and a line left in the buffer
    could be printed twice by a forked copy or never by a killed process."""
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


# ANCHOR: idea
def loop() -> None:
    """The tutorial's loop(): every thread can ask for its own name."""
    name = threading.current_thread().name
    say(f"thread {name} is running...")
    for n in range(1, 6):
        say(f"thread {name} >>> {n}")
        time.sleep(STEP)
    say(f"thread {name} ended.")


def calc(what: str, power: int) -> None:
    """Prints each power of NUMBERS as it is ready."""
    say(f"calculate {what} numbers")
    for n in NUMBERS:
        time.sleep(STEP)  # Stands for I/O: the thread waits, and releases the GIL meanwhile.
        say(f"{what}: {n ** power}")


def main() -> None:
    me = threading.current_thread().name  # "MainThread" (Rust calls it "main")
    say(f"thread {me} is running...")
    t = threading.Thread(target=loop, name="LoopThread")
    t.start()
    t.join()
    say(f"thread {me} ended.")

    say("one thread:")
    start = time.perf_counter()
    calc("square", 2)
    calc("cube", 3)
    one_thread = time.perf_counter() - start
    say(f"done in: {one_thread:.2f} s")

    # While one thread sleeps the other runs, so the two lists take the time of one.
    say("two threads:")
    start = time.perf_counter()
    threads = [threading.Thread(target=calc, args=("square", 2)),
               threading.Thread(target=calc, args=("cube", 3))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    say(f"done in: {time.perf_counter() - start:.2f} s (one thread took {one_thread:.2f} s)")
    say("the waits overlap, in Python threads too; "
        "CPU-bound work is another story: see multicore-demo")
# ANCHOR_END: idea


if __name__ == "__main__":
    main()
