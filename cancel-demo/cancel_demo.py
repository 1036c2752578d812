"""Cancelling asyncio work: what stops, what runs on, and what gets to clean up.

Beyond the asyncio section of Liao Xuefeng's Python tutorial, chapter 异步IO
(https://www.liaoxuefeng.com/wiki/1016959663602400/1017628290184064): asyncio.timeout and
TaskGroup are Python 3.11's. The Rust twin is src/main.rs.

Cancelling a task raises CancelledError in it at the await where it waits. It may catch the
exception to clean up, even with an await, and should raise it again. Five parts, each
printing what happened: a timeout around three steps; lines read beside a timer, with a read
that is not cancel safe and with one that is; a TaskGroup in which one task fails;
task.cancel() on a task that cleans up and on one that does not; a thread that runs on after
its caller gave up on it.

Run with: python3 cancel-demo/cancel_demo.py
"""

import asyncio
import math
import threading
import time

STEP = 0.1
SENT = [b"one\n", b"two\n", b"three\n", b"four\n", b"five\n"]
ITEM = 0.02
JOB_SIZE = 300_000  # Nearly a second of trial division in pure Python.


# ANCHOR: timeout
async def steps_under_timeout() -> None:
    done, start = [], time.perf_counter()

    async def three_steps() -> None:
        for step, secs in ((1, STEP), (2, STEP), (3, 10 * STEP)):
            print(f"timeout: step {step} started")
            await asyncio.sleep(secs)  # Where the CancelledError comes: nothing below runs.
            done.append(step)
            print(f"timeout: step {step} done")

    try:
        async with asyncio.timeout(5 * STEP):  # It cancels the steps, then raises.
            await three_steps()
    except TimeoutError:
        print(f"timeout: gave up after {time.perf_counter() - start:.2f} s")
    await asyncio.sleep(10 * STEP)  # More than step 3 had left: had it gone on, it would be done.
    print(f"timeout: {10 * STEP:.2f} s later, {len(done)} of 3 steps done")
# ANCHOR_END: timeout


# ANCHOR: race
async def lines_beside_a_timer(safe: bool) -> None:
    reader = asyncio.StreamReader()

    async def send() -> None:
        for line in SENT:
            # The halves come 0.1 s apart, and the 20 ms timer always wins in between.
            half = len(line) // 2
            reader.feed_data(line[:half])
            await asyncio.sleep(0.1)
            reader.feed_data(line[half:])
        reader.feed_eof()

    async def read_line_byte_by_byte() -> bytes:
        # Not cancel safe: the bytes read so far are in this coroutine's `line`, lost with it.
        line = b""
        while not line.endswith(b"\n") and (byte := await reader.read(1)):
            line += byte
        return line

    sender = asyncio.create_task(send())
    read = []
    while True:
        try:
            async with asyncio.timeout(0.02):
                # Cancel safe: readline leaves a half line in the reader's buffer.
                line = await (reader.readline() if safe else read_line_byte_by_byte())
        except TimeoutError:
            continue  # Say, a heartbeat to send while waiting.
        if not line:
            break
        read.append(line)
    await sender
    whole = sum(line in SENT for line in read)
    sent = len(b"".join(SENT))
    lost = sent - len(b"".join(read))
    how = "is" if safe else "is not"
    print(
        f"race: a read that {how} cancel safe: {len(SENT)} lines sent, {whole} read whole, "
        f"{lost} of {sent} bytes lost"
    )
# ANCHOR_END: race


# ANCHOR: group
async def task_group() -> None:
    cancelled = []

    async def task(name: str, secs: float, fails: bool) -> None:
        try:
            await asyncio.sleep(secs)
        except asyncio.CancelledError:
            cancelled.append(name)  # Its cleanup.
            raise
        if fails:
            raise OSError(f"{name} failed: disk full")
        print(f"group: {name} finished")

    try:
        # When a task raises, the group cancels the others and waits for them.
        async with asyncio.TaskGroup() as group:
            for name, secs, fails in (("A", 0.2, True), ("B", 10.0, False), ("C", 0.01, False)):
                group.create_task(task(name, secs, fails))
    except* OSError as failed:
        print(f"group: {failed.exceptions[0]}")
    print(f"group: cancelled: {', '.join(sorted(cancelled))}")
# ANCHOR_END: group


# ANCHOR: stop
async def worker(cleans_up: bool, saved: list[int]) -> None:
    """Does items, kept in memory, until cancelled; one that cleans up then saves them."""
    unsaved = 0
    try:
        while True:
            await asyncio.sleep(ITEM)
            unsaved += 1
    except asyncio.CancelledError:
        if cleans_up:
            print(f"stop: asked to stop, saving {unsaved} items")
            await asyncio.sleep(ITEM)  # The write: a cancelled task may still await.
            saved.append(unsaved)
        raise


async def abort_or_ask() -> None:
    naive_saved: list[int] = []
    asked_saved: list[int] = []
    naive = asyncio.create_task(worker(False, naive_saved))
    asked = asyncio.create_task(worker(True, asked_saved))
    await asyncio.sleep(0.3)
    naive.cancel()  # Both are only requests: CancelledError at each one's await.
    asked.cancel()
    for task in (naive, asked):
        try:
            await task
        except asyncio.CancelledError:
            pass
    assert naive.cancelled() and not naive_saved
    print("stop: aborted: cancelled before it saved anything")
    print(f"stop: asked to stop: {asked_saved[0]} items saved")
# ANCHOR_END: stop


# ANCHOR: blocking
async def give_up_on_blocking(check_flag: bool) -> None:
    stop, ended, start = threading.Event(), threading.Event(), time.perf_counter()

    def job() -> int:
        # Counts the primes below JOB_SIZE; if it checks the flag, it stops once it is set.
        count = 0
        for n in range(2, JOB_SIZE):
            if check_flag and n % 1000 == 0 and stop.is_set():
                break
            count += all(n % d for d in range(2, math.isqrt(n) + 1))
        ended.set()
        return count

    try:
        async with asyncio.timeout(0.1):
            await asyncio.to_thread(job)  # Cancelled at 0.1 s: its thread is not.
    except TimeoutError:
        pass
    else:
        raise AssertionError("the job ended before its caller gave up")
    waited = time.perf_counter() - start
    stop.set()  # Only a job that looks at the flag stops.
    cpu_then = time.process_time()
    await asyncio.to_thread(ended.wait)  # Waited for only to measure what it burned.
    burned = time.process_time() - cpu_then
    how = " with a stop flag" if check_flag else ""
    print(
        f"blocking{how}: the caller gave up after {waited:.2f} s; "
        f"the job burned {burned:.2f} CPU-seconds after that"
    )
# ANCHOR_END: blocking


async def main() -> None:
    await steps_under_timeout()
    await lines_beside_a_timer(False)
    await lines_beside_a_timer(True)
    await task_group()
    await abort_or_ask()
    await give_up_on_blocking(False)
    await give_up_on_blocking(True)


if __name__ == "__main__":
    asyncio.run(main())
