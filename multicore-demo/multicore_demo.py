"""The multi-core dead loop in Python threads: the twin of multicore-demo.

Mirrors Liao Xuefeng's Python tutorial, 进程和线程 / 多线程 (多核CPU):
https://www.liaoxuefeng.com/wiki/1016959663602400/1017628290184064
One busy thread, then one per core, each running `x = x ^ 1` for a second. The GIL lets one
thread at a time run Python code, so however many threads there are, together they get
about one core: about 100% CPU where Rust's threads show N x 100%.

Run with: python3 multicore-demo/multicore_demo.py
"""

import os
import sys
import threading
import time

RUN_FOR = 1.0  # seconds each run keeps its threads busy
SHORT = 0.25  # up to a quarter of a core less than asked is noise

running = False


# ANCHOR: idea
def loop() -> None:
    """The tutorial's dead loop."""
    x = 0
    while running:
        x = x ^ 1


def busy(threads: int) -> float:
    """Runs `threads` busy threads for RUN_FOR; returns this process's CPU time over that
    wall time, in percent (100% is one core kept busy the whole time)."""
    global running
    running = True
    workers = [threading.Thread(target=loop) for _ in range(threads)]
    cpu, wall = time.process_time(), time.perf_counter()
    for worker in workers:
        worker.start()
    time.sleep(RUN_FOR)
    running = False
    for worker in workers:
        worker.join()
    return (time.process_time() - cpu) / (time.perf_counter() - wall) * 100


def main() -> None:
    # The cores this process may run on, as Rust's available_parallelism counts them.
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    cores = cores or 1
    print(f"cores: {cores}, threads: 1, CPU use: {busy(1):.0f}%")
    cpu = busy(cores)
    print(f"cores: {cores}, threads: {cores}, CPU use: {cpu:.0f}%")
    got = cpu / 100
    if getattr(sys, "_is_gil_enabled", lambda: True)():
        print(f"cores used at once: {got:.2f} of {cores}: Python threads take turns under the "
              "GIL; for more cores, Python uses processes (multiprocessing)")
    elif got < cores - SHORT:  # A free-threaded build (3.13t) has no GIL, as Rust has none.
        print(f"cores used at once: {got:.2f} of {cores}: the machine gave fewer than asked "
              "(other programs were using the rest)")
    else:
        print(f"cores used at once: {got:.2f} of {cores}: every thread had a core of its own")
# ANCHOR_END: idea


if __name__ == "__main__":
    main()
