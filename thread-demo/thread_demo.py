"""Threads: a named thread, then two threads whose waits overlap. Twin of thread-demo.

Mirrors Liao Xuefeng's Python tutorial, 进程和线程 / 多线程 (threading.Thread):
https://www.liaoxuefeng.com/wiki/1016959663602400/1017628290184064
then squares and cubes of one list, first in one thread, then in two, timed.

Run with: python3 thread-demo/thread_demo.py
"""

import threading
import time

STEP = 0.1  # seconds: the loop thread's pause, and how long each number takes below
NUMBERS = [2, 3, 8, 9]


def loop() -> None:
    """The tutorial's loop(): every thread can ask for its own name."""
    name = threading.current_thread().name
    print(f"thread {name} is running...")
    for n in range(1, 6):
        print(f"thread {name} >>> {n}")
        time.sleep(STEP)
    print(f"thread {name} ended.")


def calc(what: str, power: int) -> None:
    """Prints each power of NUMBERS as it is ready."""
    print(f"calculate {what} numbers")
    for n in NUMBERS:
        time.sleep(STEP)  # Stands for I/O: the thread waits, and releases the GIL meanwhile.
        print(f"{what}: {n ** power}")


def main() -> None:
    me = threading.current_thread().name  # "MainThread" (Rust calls it "main")
    print(f"thread {me} is running...")
    t = threading.Thread(target=loop, name="LoopThread")
    t.start()
    t.join()
    print(f"thread {me} ended.")

    print("one thread:")
    start = time.perf_counter()
    calc("square", 2)
    calc("cube", 3)
    one_thread = time.perf_counter() - start
    print(f"done in: {one_thread:.2f} s")

    # While one thread sleeps the other runs, so the two lists take the time of one.
    print("two threads:")
    start = time.perf_counter()
    threads = [threading.Thread(target=calc, args=("square", 2)),
               threading.Thread(target=calc, args=("cube", 3))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(f"done in: {time.perf_counter() - start:.2f} s (one thread took {one_thread:.2f} s)")
    print("the waits overlap, in Python threads too; "
          "CPU-bound work is another story: see multicore-demo")


if __name__ == "__main__":
    main()
