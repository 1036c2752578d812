"""Coroutines: a consumer that is a generator, and two coroutines sharing one thread.

Mirrors the coroutine section (协程) of Liao Xuefeng's Python tutorial, chapter 异步IO
(https://www.liaoxuefeng.com/wiki/1016959663602400/1017628290184064). The Rust twin is
src/main.rs: there the consumer is an async task answering through a channel.

Part one: produce() drives the generator consumer() with send(n) and gets '200 OK' back.
Part two: two generators take turns on one thread, handing over only where they yield.

Run with: python3 coroutine-demo/coroutine_demo.py
"""

from collections.abc import Generator, Iterator


# ANCHOR: idea
def consumer() -> Generator[str, int, None]:
    """Waits at `yield` for the next number, then answers it with the next `yield`."""
    answer = ""
    try:
        while True:
            n = yield answer
            print(f"[CONSUMER] Consuming {n}...")
            answer = "200 OK"
    except GeneratorExit:
        # close() raises GeneratorExit at the paused `yield`: the generator's last chance.
        print("[CONSUMER] Closed by the producer, consumer ends.")


def produce(c: Generator[str, int, None]) -> None:
    next(c)  # Run the consumer up to its first `yield`.
    for n in range(1, 6):
        print(f"[PRODUCER] Producing {n}...")
        # send() resumes the consumer with n and returns what it yields next: its answer.
        r = c.send(n)
        print(f"[PRODUCER] Consumer return: {r}")
    c.close()


def a() -> Iterator[None]:
    print("1")
    print("2")
    yield  # The only point where b can get in.
    print("3")


def b() -> Iterator[None]:
    print("x")
    print("y")
    yield
    print("z")


def run_in_turns(*coroutines: Iterator[None]) -> None:
    """The smallest event loop: resume each coroutine in turn until all have finished."""
    waiting = list(coroutines)
    while waiting:
        for c in list(waiting):
            try:
                next(c)
            except StopIteration:
                waiting.remove(c)


def main() -> None:
    produce(consumer())
    print("two coroutines on one thread:")
    run_in_turns(a(), b())
# ANCHOR_END: idea


if __name__ == "__main__":
    main()
