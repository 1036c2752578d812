"""A pool of 4 worker processes running 5 tasks, then Pool.map. Twin of pool-demo.

Mirrors Liao Xuefeng's Python tutorial, 进程和线程 / 多进程 (Pool):
https://www.liaoxuefeng.com/wiki/1016959663602400/1017628290184064
The fifth task waits for a free worker; then map squares 1..5 through a pool.

Run with: python3 pool-demo/pool_demo.py
"""

import multiprocessing
import os
import random
import sys
import time
from multiprocessing import Pool

WORKERS = 4
TASKS = 5


def say(line: str) -> None:
    """Prints the line whole and at once: print() may write the text and its newline apart,
    so another thread's or process's line could come between, and a line left in the buffer
    could be printed twice by a forked copy or never by a killed process."""
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


# ANCHOR: idea
def long_time_task(name: int) -> None:
    say(f"Run task {name} ({os.getpid()})...")
    start = time.perf_counter()
    time.sleep(random.uniform(0.05, 0.35))
    say(f"Task {name} runs {time.perf_counter() - start:.2f} seconds.")


def square(x: int) -> int:
    return x * x


def main() -> None:
    # MP_START_METHOD=fork, forkserver or spawn picks how processes start (unset: the default).
    try:
        multiprocessing.set_start_method(os.environ.get("MP_START_METHOD") or None)
    except ValueError as error:
        sys.exit(f"error: MP_START_METHOD: {error}")
    say(f"Python's multiprocessing start method: {multiprocessing.get_start_method()}")
    say(f"Parent process {os.getpid()}.")
    with Pool(WORKERS) as p:
        results = [p.apply_async(long_time_task, (i,)) for i in range(TASKS)]
        say("Waiting for all subprocesses done...")
        p.close()
        p.join()
    for result in results:
        result.get()  # raises here if a task failed
    say("All subprocesses done.")

    xs = [1, 2, 3, 4, 5]
    with Pool(WORKERS) as p:
        squares = p.map(square, xs)
    say(f"Pool.map(x * x, {xs}) = {squares}")
# ANCHOR_END: idea


if __name__ == "__main__":
    main()
