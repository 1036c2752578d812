"""The cost of starting (and joining) one process, thread or task.

Usage: spawn.py VARIANT COUNT WARMUP REPEATS
  VARIANT: fork | spawn | thread | task
Each sample starts and joins COUNT of them one after another and reports seconds per start.
Prints {"answer": how many finished cleanly in the last sample, "samples": [...]}.
"""
import asyncio
import importlib
import multiprocessing as mp
import sys
import threading

from measure import report


def noop():
    pass


async def noop_task():
    return 1


def start_processes(method, count):
    ctx = mp.get_context(method)
    ok = 0
    for _ in range(count):
        p = ctx.Process(target=noop)
        p.start()
        p.join()
        ok += p.exitcode == 0
    return ok


def start_threads(count):
    for _ in range(count):
        t = threading.Thread(target=noop)
        t.start()
        t.join()
    return count


async def start_tasks(count):
    ok = 0
    for _ in range(count):
        ok += await asyncio.create_task(noop_task())
    return ok


def main():
    variant = sys.argv[1]
    # What a first start would load inside the clock (every run may be a fresh process).
    if variant == "fork":
        importlib.import_module("multiprocessing.popen_fork")
    elif variant == "spawn":
        importlib.import_module("multiprocessing.popen_spawn_posix")
    count, warmup, repeats = (int(a) for a in sys.argv[2:5])
    if variant in ("fork", "spawn"):
        run = lambda: start_processes(variant, count)
    elif variant == "thread":
        run = lambda: start_threads(count)
    else:
        run = lambda: asyncio.run(start_tasks(count))
    report(run, warmup, repeats, per=count)


if __name__ == "__main__":
    main()
