"""asyncio's hello and gather: while one coroutine waits, the event loop runs another.

Mirrors the asyncio section of Liao Xuefeng's Python tutorial, chapter 异步IO
(https://www.liaoxuefeng.com/wiki/1016959663602400/1017628290184064). The Rust twin is
src/main.rs, on tokio's one-thread runtime.

hello() prints Hello!, sleeps without blocking the loop, then prints Hello again!;
asyncio.gather runs two greetings at once on the one thread of the event loop, so two
sleeps of 0.5 s take 0.5 s. The thread id is printed in Rust's ThreadId(...) shape so the
two runs compare line by line.

Run with: python3 async-io/async_io.py
"""

import asyncio
import threading
import time

DELAY = 0.5


# ANCHOR: idea
async def hello() -> None:
    print("Hello!")
    await asyncio.sleep(DELAY)  # The loop is free to run other coroutines meanwhile.
    print("Hello again!")


async def greet(name: str) -> str:
    print(f"Hello {name}! (ThreadId({threading.get_ident()}))")
    await asyncio.sleep(DELAY)
    print(f"Hello {name} again! (ThreadId({threading.get_ident()}))")
    return name


async def main() -> None:
    await hello()

    start = time.perf_counter()
    # gather wraps each coroutine in a task; the results come back in the order given.
    names = await asyncio.gather(greet("Bob"), greet("Alice"))
    print(f"gather returned: {', '.join(names)}")
    took = time.perf_counter() - start
    print(f"gather: 2 tasks done in {took:.2f} s, each slept {DELAY:.2f} s")
# ANCHOR_END: idea


if __name__ == "__main__":
    asyncio.run(main())
