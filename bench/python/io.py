"""N concurrent waits, run once in a process of its own so its peak memory is its own.

Usage: io.py VARIANT N DELAY_MS      VARIANT: asyncio | threads
Prints {"answer": waits completed, "wall": seconds, "peak_kib": peak resident memory in KiB}.
"""
import asyncio
import json
import resource
import sys
import threading
import time


async def wait_all(n, delay):
    start = time.perf_counter()
    done = await asyncio.gather(*(asyncio.sleep(delay, result=1) for _ in range(n)))
    return sum(done), time.perf_counter() - start


def threads(n, delay):
    done = []  # list.append is atomic in CPython

    def one():
        time.sleep(delay)
        done.append(1)

    start = time.perf_counter()
    pool = [threading.Thread(target=one) for _ in range(n)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return len(done), time.perf_counter() - start


def main():
    variant, n, delay = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]) / 1000.0
    if variant == "asyncio":
        answer, wall = asyncio.run(wait_all(n, delay))
    else:
        answer, wall = threads(n, delay)
    # ru_maxrss is in KiB on Linux (bytes on macOS; the bench runs on Linux first).
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if sys.platform == "darwin":
        peak //= 1024
    print(json.dumps({"answer": answer, "wall": wall, "peak_kib": peak}))


if __name__ == "__main__":
    main()
