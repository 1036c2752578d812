"""A pool of 4 worker processes running 5 tasks, then Pool.map. Twin of pool-demo.

Mirrors Liao Xuefeng's Python tutorial, 进程和线程 / 多进程 (Pool):
https://www.liaoxuefeng.com/wiki/1016959663602400/1017628290184064
The fifth task waits for a free worker; then map squares 1..5 through a pool.

Run with: python3 pool-demo/pool_demo.py
"""

import os
import random
import sys
import time
from multiprocessing import Pool

WORKERS = 4
TASKS = 5


def say(line: str) -> None:
    """Prints a line at once and in one piece: the parent and the workers share
    one stdout, and print() may write a line's text and its newline apart."""
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
    say(f"Parent process {os.getpid()}.")
    with Pool(WORKERS) as p:
        results = [p.apply_async(long_time_task, (i,)) for i in range(TASKS)]
        say("Waiting for all subprocesses done...")
        p.close()
        p.join()
    for result in results:
        result.get()  # raises here if a task failed
    print("All subprocesses done.")

    xs = [1, 2, 3, 4, 5]
    with Pool(WORKERS) as p:
        squares = p.map(square, xs)
    print(f"Pool.map(x * x, {xs}) = {squares}")
# ANCHOR_END: idea


if __name__ == "__main__":
    main()
