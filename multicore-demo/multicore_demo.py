"""The multi-core dead loop in Python threads: the twin of multicore-demo.

Mirrors Liao Xuefeng's Python tutorial, 进程和线程 / 多线程 (多核CPU):
https://www.liaoxuefeng.com/wiki/1016959663602400/1017628290184064
One busy thread, then one per core, each running `x = x ^ 1` for a second. What they get
depends on the build, which the first line names. With the GIL (every CPython before 3.13,
and the default build since), one thread at a time runs Python code, so however many threads
there are, together they get about one core: about 100% CPU where Rust's threads show
N x 100%. A free-threaded build (python3.13t, python3.14t) has no GIL: its threads get a core
each, as Rust's do.

Run with: python3 multicore-demo/multicore_demo.py (and python3.14t to compare)
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


def build() -> str:
    """This interpreter's version, and whether a GIL runs one thread at a time."""
    version = ".".join(map(str, sys.version_info[:3]))
    gil = getattr(sys, "_is_gil_enabled", lambda: True)()  # the function is new in 3.13
    return f"Python {version}, " + ("with the GIL" if gil else "free-threaded: no GIL")


def main() -> None:
    print(build())
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
    elif got < cores - SHORT:  # Free-threaded: no GIL, as Rust has none.
        print(f"cores used at once: {got:.2f} of {cores}: the machine gave fewer than asked "
              "(other programs were using the rest)")
    else:
        print(f"cores used at once: {got:.2f} of {cores}: every thread had a core of its own")
# ANCHOR_END: idea


if __name__ == "__main__":
    main()
