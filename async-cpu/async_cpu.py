"""CPU-bound work inside an aiohttp server: inline, on a thread pool, on a process pool.

In the handler it blocks the event loop; on a thread pool the GIL slows the loop and lets one
count run at a time; only a process pool keeps the loop free and the cores busy.

Mirrors the aiohttp section of Liao Xuefeng's Python tutorial, chapter 异步IO
(https://www.liaoxuefeng.com/wiki/1016959663602400/1017628290184064), with the lesson of a bot
that must also run benchmarks. The Rust twin is src/main.rs: there threads are enough.

/hello/{name} sleeps 0.2 s (async); /primes/{n} counts the primes below n in pure Python
(about a second for 200000). With no arguments the program runs three rounds against its own
server on 127.0.0.1: two /primes requests, then a /hello request, and how long the /hello
took, with /primes computed inline, on a thread pool and on a process pool. Then it exits.

At most 4 counts run or wait at once; past that a /primes gets 503 with a reason. A handler
whose client disconnects is cancelled (aiohttp's handler_cancellation), which cancels a count
still waiting for the pool; a count already running in a process cannot be stopped, and the
last line measures that.

Run with: python3 async-cpu/async_cpu.py   (or --serve [--port 8000] [--way inline])
"""

import argparse
import asyncio
import enum
import multiprocessing
import signal
import sys
import time
import urllib.request
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor

from aiohttp import web

HELLO_DELAY = 0.2
PRIMES_BELOW = 200_000  # About a second of pure Python (Rust counts to 3000000 in that time).
MAX_BELOW = 1_000_000  # A bigger n is refused: the work grows faster than n.
CPU_WORKERS = 2  # The pool's size: /primes never get more threads or processes than this.
MAX_JOBS = 4  # The most /primes counted or waiting at once; the next one is told to come back.
HEAD_START = 0.1
LIMIT = 30.0
POOL = web.AppKey("pool", Executor)  # Absent: count inline.
JOBS = web.AppKey("jobs", asyncio.Semaphore)


class Way(enum.StrEnum):
    INLINE = "inline"
    THREADS = "threads"
    PROCESSES = "processes"


# ANCHOR: idea
async def hello(request: web.Request) -> web.Response:
    await asyncio.sleep(HELLO_DELAY)
    return web.Response(text=f"hello, {request.match_info['name']}!\n")


async def primes(request: web.Request) -> web.Response:
    text = request.match_info["n"]
    if not (text.isascii() and text.isdigit()) or int(text) > MAX_BELOW:
        raise web.HTTPBadRequest(text=f"n must be a whole number, at most {MAX_BELOW}\n")
    n = int(text)
    jobs = request.app[JOBS]
    if jobs.locked():  # A bounded queue: the client hears so now, not after the others.
        why = f"busy: {MAX_JOBS} counts are running or waiting; try again later\n"
        raise web.HTTPServiceUnavailable(text=why)
    await jobs.acquire()  # At once: it is not locked.
    pool = request.app.get(POOL)
    if pool is None:
        # Wrong: the count runs on the event loop's thread; nothing else runs until it is done.
        try:
            count = count_primes(n)
        finally:
            jobs.release()
    else:
        # The loop hands the count to the pool and awaits it. On a thread pool the GIL lets
        # one thread run Python at a time, so the counts take turns and the loop waits its
        # turn too; each process of a process pool has a GIL of its own. If this handler is
        # cancelled, so is the job, but only if it has not started: the slot is freed when
        # the job has really ended.
        job = pool.submit(count_primes, n)
        loop = asyncio.get_running_loop()
        job.add_done_callback(lambda _: loop.call_soon_threadsafe(jobs.release))
        count = await asyncio.wrap_future(job)
    return web.Response(text=f"{count}\n")


def count_primes(below: int) -> int:
    """Counts the primes below `below` by trial division: CPU work and nothing else."""
    return sum(1 for k in range(2, below) if is_prime(k))


def is_prime(k: int) -> bool:
    d = 2
    while d * d <= k and k % d != 0:
        d += 1
    return d * d > k  # No divisor up to its square root.


def make_pool(way: Way) -> Executor | None:
    if way is Way.INLINE:
        return None
    if way is Way.THREADS:
        pool: Executor = ThreadPoolExecutor(CPU_WORKERS)
    else:
        # Spawned, not forked: a forked worker would inherit the server's sockets and keep
        # clients' connections open. The workers ignore Ctrl-C: the parent shuts them down.
        pool = ProcessPoolExecutor(
            CPU_WORKERS,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=signal.signal,
            initargs=(signal.SIGINT, signal.SIG_IGN),
        )
    list(pool.map(count_primes, [0] * CPU_WORKERS))  # Start the workers now, not mid-round.
    return pool
# ANCHOR_END: idea


async def start(pool: Executor | None, port: int) -> tuple[web.AppRunner, int]:
    """The server on this event loop, serving on 127.0.0.1:`port`."""
    app = web.Application()
    app[JOBS] = asyncio.Semaphore(MAX_JOBS)
    if pool is not None:
        app[POOL] = pool
    app.router.add_get("/hello/{name}", hello)
    app.router.add_get("/primes/{n}", primes)
    # Cancel a handler whose client has gone (aiohttp does not by default since 3.9).
    runner = web.AppRunner(app, handler_cancellation=True)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner, runner.addresses[0][1]


async def rounds() -> None:
    print(f"Each round: two /primes/{PRIMES_BELOW} at once, then /hello (sleeps {HELLO_DELAY} s)")
    for label, way in [
        ("inline", Way.INLINE),
        ("thread pool", Way.THREADS),
        ("process pool", Way.PROCESSES),
    ]:
        pool = make_pool(way)
        runner, port = await start(pool, 0)
        try:
            # The client runs in threads of its own: on this event loop it would stall with
            # the server and measure nothing.
            hello_took, took, (a, b) = await asyncio.to_thread(requests, port)
        finally:
            await runner.cleanup()
            if pool is not None:
                pool.shutdown()
        judged = verdict(hello_took)
        print(f"{label}: /hello took {hello_took:.2f} s while /primes ran ({judged})")
        print(f"{label}: two /primes/{PRIMES_BELOW} answered {a} and {b} in {took:.2f} s")
    if getattr(sys, "_is_gil_enabled", lambda: True)():  # The function is new in 3.13.
        print(
            "Python threads take turns holding the GIL: only processes count both /primes at once."
        )
    else:
        version = ".".join(map(str, sys.version_info[:3]))
        print(f"Python {version}, free-threaded: no GIL: threads count both /primes at once too.")
    cancelled, ran_on = cancel_a_running_count()
    print(
        "In Python a running process-pool count cannot be stopped: "
        f"cancel() gave {cancelled}; it ran on for {ran_on:.2f} s."
    )


def verdict(hello_took: float) -> str:
    """The verdict is the figure's, not the round's."""
    if hello_took > 2 * HELLO_DELAY:  # /hello that took twice its sleep waited for a count
        return "blocked the event loop"
    if hello_took > 1.5 * HELLO_DELAY:
        return "the loop waited its turns for the GIL"
    return "the event loop stayed free"


def cancel_a_running_count() -> tuple[bool, float]:
    """What cancel() does to a count that a worker process has started, and how long it ran on."""
    pool = make_pool(Way.PROCESSES)
    assert pool is not None
    with pool:
        job = pool.submit(count_primes, PRIMES_BELOW)
        while not job.running():
            time.sleep(0.01)
        time.sleep(HEAD_START)  # Running in a worker by now (running() says it was handed over).
        cancelled, start = job.cancel(), time.perf_counter()
        job.result()  # Python has no way to stop it but to kill the worker process.
        return cancelled, time.perf_counter() - start


def requests(port: int) -> tuple[float, float, list[str]]:
    """Two /primes, then one /hello: the seconds for the /hello, for everything, the counts."""
    with ThreadPoolExecutor(2) as client:
        start_time = time.perf_counter()
        counts = [client.submit(fetch, port, f"/primes/{PRIMES_BELOW}") for _ in range(2)]
        time.sleep(HEAD_START)
        hello_start = time.perf_counter()
        fetch(port, "/hello/Bob")
        hello_took = time.perf_counter() - hello_start
        answers = [c.result() for c in counts]
        return hello_took, time.perf_counter() - start_time, answers


def fetch(port: int, path: str) -> str:
    """A GET with a time limit: the body of a 200 answer (urllib raises on any other)."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=LIMIT) as answer:
        return answer.read(64 * 1024).decode().strip()


async def serve(port: int, way: Way) -> None:
    pool = make_pool(way)
    try:
        runner, port = await start(pool, port)
        print(f"Server started at http://127.0.0.1:{port}...", flush=True)
        stop = asyncio.Event()
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
        try:
            await stop.wait()  # Until SIGTERM, or Ctrl-C, which cancels this task.
        finally:
            await runner.cleanup()
    finally:
        if pool is not None:
            pool.shutdown()


def port_number(text: str) -> int:
    if not (text.isascii() and text.isdigit() and int(text) < 65536):
        raise ValueError(text)  # argparse says: invalid port_number value
    return int(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--serve", action="store_true", help="serve until Ctrl-C")
    parser.add_argument("--port", type=port_number, help="with --serve; 0: any free port")
    parser.add_argument("--way", type=Way, choices=list(Way), help="with --serve")
    args = parser.parse_args()
    if not args.serve:
        if args.port is not None or args.way is not None:
            parser.error("--port and --way need --serve")
        asyncio.run(rounds())
        return
    port = 8000 if args.port is None else args.port
    try:
        asyncio.run(serve(port, args.way or Way.PROCESSES))
    except KeyboardInterrupt:
        pass  # Ctrl-C: serve() has cleaned up; stop like SIGTERM does.
    except OSError as e:  # The port is taken, say.
        sys.exit(f"error: listen on 127.0.0.1:{port}: {e}")
    print("Server stopped.")


if __name__ == "__main__":
    main()
