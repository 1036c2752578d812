"""Moving bytes and messages between two sides.

Usage: ipc.py VARIANT SIZE WARMUP REPEATS
  pipe       SIZE bytes from a forked child through os.pipe, in 64 KiB blocks
  copy       the same SIZE bytes copied in memory, 64 KiB at a time (the limit)
  roundtrip  SIZE one-byte round trips to a forked echo child over two os.pipe
  queue1     SIZE integers from a child process through multiprocessing.Queue, both
             processes on one core
  queue2     the same, the child on one core and this process on another
  mppipe1    SIZE integers from a child process through multiprocessing.Pipe, one core
  mppipe2    the same on two cores
  (queue and mppipe: pinned where Linux lets us choose, as bench pins its two threads)
  asyncio    SIZE integers between two coroutines through asyncio.Queue(1024)
Prints {"answer": bytes, round trips or the sum of the integers, "samples": [seconds per run]}.
"""
import importlib
import os
import sys

from measure import report

# The modules a variant needs are imported for that variant only (every run may be a fresh
# process, and importing asyncio alone takes longer than some runs), and before the clock
# starts: the submodules too, which multiprocessing would otherwise load at first use.
NEEDS = {
    "queue": ["multiprocessing.queues", "multiprocessing.synchronize", "multiprocessing.popen_fork"],
    "mppipe": ["multiprocessing.connection", "multiprocessing.popen_fork"],
    "asyncio": ["asyncio"],
}

BLOCK = 64 * 1024


def pipe_bandwidth(size):
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        block = memoryview(bytes(BLOCK))
        left = size
        while left > 0:
            left -= os.write(w, block[: min(left, BLOCK)])
        os._exit(0)
    os.close(w)
    got = 0
    while True:
        chunk = os.read(r, BLOCK)
        if not chunk:
            break
        got += len(chunk)
    os.close(r)
    os.waitpid(pid, 0)
    return got


def copy(size):
    src, dst = bytearray(BLOCK), bytearray(BLOCK)
    copied = 0
    while copied < size:
        n = min(BLOCK, size - copied)
        dst[:n] = memoryview(src)[:n]
        copied += n
    return copied


def roundtrip(count):
    to_child, from_parent = os.pipe()
    to_parent, from_child = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(from_parent)
        os.close(to_parent)
        while True:
            b = os.read(to_child, 1)
            if not b:
                os._exit(0)
            os.write(from_child, b)
    os.close(to_child)
    os.close(from_child)
    done = 0
    for _ in range(count):
        os.write(from_parent, b"x")
        done += len(os.read(to_parent, 1))
    os.close(from_parent)
    os.close(to_parent)
    os.waitpid(pid, 0)
    return done


def cpus_for(cores):
    """The CPUs for the child and for us: the first we may run on for both (cores == 1) or
    the first two; None where there are too few or no sched_setaffinity."""
    if not hasattr(os, "sched_setaffinity"):
        return None
    cpus = sorted(os.sched_getaffinity(0))
    if cores == 1:
        return [cpus[0], cpus[0]]
    return cpus[:2] if len(cpus) >= 2 else None


def pinned(run, count, cores):
    """Runs run(count, child_cpu) with this process on its own CPU, then unpins it."""
    cpus = cpus_for(cores)
    if cpus is None:
        return run(count, None)
    allowed = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {cpus[1]})
    try:
        return run(count, cpus[0])
    finally:
        os.sched_setaffinity(0, allowed)


def pin(cpu):
    if cpu is not None:
        os.sched_setaffinity(0, {cpu})


def produce_queue(q, count, cpu):
    pin(cpu)
    for i in range(count):
        q.put(i)


def produce_pipe(conn, count, cpu):
    pin(cpu)
    for i in range(count):
        conn.send(i)
    conn.close()


def mp_queue(count, cpu):
    import multiprocessing as mp

    ctx = mp.get_context("fork")
    q = ctx.Queue()
    p = ctx.Process(target=produce_queue, args=(q, count, cpu))
    p.start()
    total = sum(q.get() for _ in range(count))
    p.join()
    return total


def mp_pipe(count, cpu):
    import multiprocessing as mp

    ctx = mp.get_context("fork")
    recv_end, send_end = ctx.Pipe(duplex=False)
    p = ctx.Process(target=produce_pipe, args=(send_end, count, cpu))
    p.start()
    send_end.close()
    total = sum(recv_end.recv() for _ in range(count))
    p.join()
    return total


def asyncio_queue(count):
    import asyncio

    async def both_sides():
        q = asyncio.Queue(1024)

        async def produce():
            for i in range(count):
                await q.put(i)

        producer = asyncio.create_task(produce())
        total = 0
        for _ in range(count):
            total += await q.get()
        await producer
        return total

    return asyncio.run(both_sides())


def main():
    variant = sys.argv[1]
    size, warmup, repeats = (int(a) for a in sys.argv[2:5])
    # queue1 and queue2 (one core or two) need the same modules, as do mppipe1 and mppipe2.
    for module in NEEDS.get(variant.rstrip("12"), []):
        importlib.import_module(module)
    run = {
        "pipe": pipe_bandwidth,
        "copy": copy,
        "roundtrip": roundtrip,
        "queue1": lambda n: pinned(mp_queue, n, 1),
        "queue2": lambda n: pinned(mp_queue, n, 2),
        "mppipe1": lambda n: pinned(mp_pipe, n, 1),
        "mppipe2": lambda n: pinned(mp_pipe, n, 2),
        "asyncio": asyncio_queue,
    }[variant]
    report(lambda: run(size), warmup, repeats)


if __name__ == "__main__":
    main()
