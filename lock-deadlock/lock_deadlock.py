"""The balance race, and the Lock that ends it: the Python twin of lock-deadlock.

Mirrors Liao Xuefeng's Python tutorial, 进程和线程 / 多线程 (Lock):
https://www.liaoxuefeng.com/wiki/1016959663602400/1017628290184064
Two threads run the tutorial's `balance = balance + n; balance = balance - n`. Each line is a
read, then a separate write, and a write between another thread's read and write is lost.
What happens depends on the build, which the first line names:
- with the GIL (every CPython before 3.13, and the default build since), one thread at a time
  runs Python code, and the GIL changes hands only where the interpreter checks for it (at
  calls and loop ends), never inside change_it's lines: the tutorial's code loses nothing;
- free-threaded (python3.13t, python3.14t), the threads run at once, as Rust's do, and the
  tutorial's code loses updates.
So the tutorial's code runs first, as written (again, up to TRIES times, until it loses an
update), then a version with a call between each read and write, which counts every update
lost, as the Rust program does.

Run with: python3 lock-deadlock/lock_deadlock.py (and python3.14t to see the race)
"""

import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

# How many times each thread calls change_it: the tutorial's 2,000,000 for its own code,
# fewer for the counting version (the Rust program's is 1,000,000: Python runs it slower).
NAIVE_CALLS = 2_000_000
CALLS = 200_000
TRIES = 5  # runs of the tutorial's code, at most, until one loses an update

# ANCHOR: idea
# ANCHOR: naive
balance = 0


def change_it(n: int) -> None:
    """The tutorial's change_it, as written."""
    global balance
    balance = balance + n
    balance = balance - n
# ANCHOR_END: naive


# ANCHOR: race
lost = 0
# Rust counts lost updates with an atomic `swap`; Python has none, so this lock is held for
# the write alone, to count. The read before the write is still a step of its own, so the
# race stays: this is not the fix.
write_lock = threading.Lock()


def write(value: int, read: int) -> None:
    """Stores `value`, computed from `read`; counts a lost update if the balance changed."""
    global balance, lost
    with write_lock:
        if balance != read:
            lost += 1  # Another thread wrote in between: its update is overwritten now.
        balance = value


def change_it_split(n: int) -> None:
    """The tutorial's change_it, its read and its write apart, so the loss can be counted."""
    read = balance
    write(read + n, read)
    read = balance
    write(read - n, read)
# ANCHOR_END: race


def split_load_store(amounts: list[int]) -> tuple[int, int, int]:
    """Runs change_it_split in one thread per amount: the balance, changes and lost updates."""
    global balance, lost
    balance = lost = 0
    changes = in_threads(amounts, change_it_split, CALLS)
    return balance, changes, lost


# ANCHOR: lock
lock = threading.Lock()


def change_it_locked(n: int) -> None:
    """The tutorial's fix: the whole change happens while holding the lock."""
    global balance
    with lock:
        balance = balance + n
        balance = balance - n
# ANCHOR_END: lock


def in_threads(amounts: list[int], change: Callable[[int], None], calls: int) -> int:
    """Calls change(n) `calls` times in one thread per amount, all started at once, and
    returns the number of changes the threads made, counted as they go (two per call)."""
    start = threading.Barrier(len(amounts))

    def run(n: int) -> int:
        start.wait()
        changes = 0
        for _ in range(calls):
            change(n)
            changes += 2
        return changes

    with ThreadPoolExecutor(max_workers=len(amounts)) as pool:
        return sum(pool.map(run, amounts))


def build() -> str:
    """This interpreter's version, and whether a GIL runs one thread at a time."""
    version = ".".join(map(str, sys.version_info[:3]))
    gil = getattr(sys, "_is_gil_enabled", lambda: True)()  # the function is new in 3.13
    return f"Python {version}, " + ("with the GIL" if gil else "free-threaded: no GIL")


def main() -> None:
    global balance
    print(build())
    # The tutorial's code: any balance but 0 at the end means updates were lost.
    for attempt in range(1, TRIES + 1):
        balance = 0
        changes = in_threads([5, 8], change_it, NAIVE_CALLS)
        if balance != 0:
            outcome = f"updates lost, on try {attempt} of {TRIES}"
            break
    else:
        outcome = f"none lost in {TRIES} tries"
    print(f"naive: `balance = balance + n` from 2 threads runs in Python: balance = {balance} "
          f"after {changes} changes ({outcome})")

    # One thread alone loses nothing, which shows the counting is right; two threads race.
    total, changes, lost_now = split_load_store([5])
    print(f"split load/store, 1 thread: balance = {total} after {changes} changes "
          f"(lost updates: {lost_now})")
    total, changes, lost_now = split_load_store([5, 8])
    print(f"split load/store, 2 threads: balance = {total} after {changes} changes "
          f"(lost updates: {lost_now})")
    if lost_now == 0:
        print("  (no update was lost this time: "
              "no thread stored between the other's load and store)")

    balance = 0
    changes = in_threads([5, 8], change_it_locked, CALLS)
    print(f"Mutex: balance = {balance} after {changes} changes")

    print("fetch_add: Python has no atomic integers; its threads share a number under a Lock")
# ANCHOR_END: idea


if __name__ == "__main__":
    main()
