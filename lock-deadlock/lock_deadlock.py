"""The balance race, and the Lock that ends it: the Python twin of lock-deadlock.

Mirrors Liao Xuefeng's Python tutorial, 进程和线程 / 多线程 (Lock):
https://www.liaoxuefeng.com/wiki/1016959663602400/1017628290184064
Two threads run `balance = balance + n; balance = balance - n`. Each line is a read, then a
separate write, and a thread switch in between loses the other thread's update. Python 3.11
switches threads only at calls and loop ends (every 5 ms by default), so here a call sits
between the read and the write; even so the race shows far less often than in Rust, whose
threads really run at the same time.

Run with: python3 lock-deadlock/lock_deadlock.py
"""

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

# How many times each thread calls change_it (fewer than the Rust program's 1,000,000:
# Python runs the loop many times slower).
CALLS = 200_000

# ANCHOR: idea
# ANCHOR: race
balance = 0
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


def change_it(n: int) -> None:
    """The tutorial's change_it, its read and its write apart, so the loss can be counted."""
    read = balance
    write(read + n, read)
    read = balance
    write(read - n, read)
# ANCHOR_END: race


def split_load_store(amounts: list[int]) -> tuple[int, int, int]:
    """Runs change_it in one thread per amount: the balance, the changes, the lost updates."""
    global balance, lost
    balance = lost = 0
    changes = in_threads(amounts, change_it)
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


def in_threads(amounts: list[int], change: Callable[[int], None]) -> int:
    """Calls change(n) CALLS times in one thread per amount, all started at once, and
    returns the number of changes the threads made, counted as they go (two per call)."""
    start = threading.Barrier(len(amounts))

    def run(n: int) -> int:
        start.wait()
        changes = 0
        for _ in range(CALLS):
            change(n)
            changes += 2
        return changes

    with ThreadPoolExecutor(max_workers=len(amounts)) as pool:
        return sum(pool.map(run, amounts))


def main() -> None:
    global balance
    print("naive: `balance = balance + n` from 2 threads runs in Python: it is the race below")

    # One thread alone loses nothing, which shows the counting is right; two threads race.
    total, changes, lost_now = split_load_store([5])
    print(f"split load/store, 1 thread: balance = {total} after {changes} changes "
          f"(lost updates: {lost_now})")
    total, changes, lost_now = split_load_store([5, 8])
    print(f"split load/store, 2 threads: balance = {total} after {changes} changes "
          f"(lost updates: {lost_now})")
    if lost_now == 0:
        print("  (no update was lost this time: no thread stored between the other's load and store)")

    balance = 0
    changes = in_threads([5, 8], change_it_locked)
    print(f"Mutex: balance = {balance} after {changes} changes")

    print("fetch_add: Python has no atomic integers; its threads share a number under a Lock")
# ANCHOR_END: idea


if __name__ == "__main__":
    main()
