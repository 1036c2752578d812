"""Memory shared by two processes: a Value changed by both at once, without and with a Lock,
and an Array a child process squares for its parent to read.

Mirrors Liao Xuefeng's Python tutorial, 进程和线程 (processes and threads): the balance race
and the Lock of 多线程 (multithreading), played here between processes, with
multiprocessing's shared Value and Array (the Python documentation's "Sharing state between
processes").
https://www.liaoxuefeng.com/wiki/1016959663602400/1017628290184064

The Rust twin is src/main.rs. It shares the same memory through a mapping made before fork,
and makes each change one atomic fetch_add instead of taking a Lock.

Run with: python3 shared-memory/shared_memory.py
"""

import multiprocessing
import os
import sys
from collections.abc import Callable
from multiprocessing import Array, Process, Value
from multiprocessing.sharedctypes import Synchronized, SynchronizedArray

START = 200
UPDATES = 100_000  # per process: enough to lose updates (the Rust program does 10 million)


# ANCHOR: idea
def add_racy(balance: Synchronized, delta: int) -> None:
    for _ in range(UPDATES):
        # A load, then a store: the Value's own lock is taken for each, not across both,
        # so the other process can store in between and one of the two updates is lost.
        balance.value += delta


def add_locked(balance: Synchronized, delta: int) -> None:
    for _ in range(UPDATES):
        with balance.get_lock():  # the tutorial's Lock, held across the load and the store
            balance.value += delta


def tug_of_war(balance: Synchronized, add: Callable[[Synchronized, int], None]) -> int:
    """The child adds +1 UPDATES times while the parent adds -1 as often; returns the balance."""
    balance.value = START
    child = Process(target=add, args=(balance, 1))
    child.start()
    add(balance, -1)
    child.join()  # reaps it
    if child.exitcode != 0:
        raise SystemExit(f"child process {child.pid}: exit code {child.exitcode}")
    return balance.value


def square_all(array: SynchronizedArray) -> None:
    for i, value in enumerate(array):
        array[i] = value * value


def main() -> None:
    # MP_START_METHOD=fork, forkserver or spawn picks how processes start (unset: the default).
    try:
        multiprocessing.set_start_method(os.environ.get("MP_START_METHOD") or None)
    except ValueError as error:
        sys.exit(f"error: MP_START_METHOD: {error}")
    print(f"Python's multiprocessing start method: {multiprocessing.get_start_method()}")
    balance = Value("q", START)  # a 64-bit int, like the Rust AtomicI64 ('i' is 32 bits)
    print(
        f"Balance starts at {START}; a child process adds +1, "
        f"the parent process {os.getpid()} adds -1, {UPDATES} times each."
    )
    racy = tug_of_war(balance, add_racy)
    # Its distance from START can only understate the updates lost; by chance it may be 0.
    print(f"load then store: Balance is {racy} (at least {abs(racy - START)} updates lost)")
    exact = tug_of_war(balance, add_locked)
    print(f"Python has no atomic add, so a Lock around each change: Balance is {exact}")

    array = Array("i", [2, 3, 5])
    before = list(array)
    child = Process(target=square_all, args=(array,))
    child.start()
    child.join()
    print(f"the child squared {before}; the parent reads {list(array)}")
# ANCHOR_END: idea


if __name__ == "__main__":
    main()
