"""Distributed processes: a master serves a task queue over the network, workers square numbers.

Mirrors task_master.py / task_worker.py of Liao Xuefeng's Python tutorial, chapter 进程和线程,
section 分布式进程 (https://www.liaoxuefeng.com/wiki/1016959663602400/1017628290184064). The Rust
twin is src/main.rs with src/master.rs and src/protocol.rs.

multiprocessing.managers.BaseManager serves a shared object over TCP and checks the authkey
by an HMAC challenge in both directions: the handshake the Rust program writes by hand. A
manager cannot tell when a client's connection drops, so here a task held for LEASE seconds
without a result goes back to the queue, as message brokers do; the Rust master notices the
dropped connection itself, and gives a silent one the same lease.

Run with: python3 distributed-demo/distributed_demo.py   (a master and three workers here)
or, with DISTRIBUTED_DEMO_AUTHKEY set: ... distributed_demo.py master | worker [--help]
"""

import argparse
import os
import random
import secrets
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from multiprocessing import AuthenticationError
from multiprocessing.managers import BaseManager

KEY_ENV = "DISTRIBUTED_DEMO_AUTHKEY"  # in the environment, `ps` does not show it
DEMO_TASKS = 10
DEMO_TIMEOUT = 30.0
LEASE = 3.0  # seconds a worker may hold a task before it is taken for lost; a task takes 1 s at most
GRACE = 1.0  # seconds the master waits, once done, for the workers asking for a task to hear so


def say(line: str) -> None:
    """Prints a line in one write, so that the lines of processes sharing stdout never mix."""
    sys.stdout.write(line + "\n")


# ANCHOR: idea
class Board:
    """The task queue and the results, and who holds which task. It lives in the master;
    workers call its methods through a manager proxy."""

    def __init__(self, numbers: list[int]) -> None:
        self.changed = threading.Condition()
        self.queue = deque(numbers)
        self.holding: dict[int, tuple[str, float]] = {}  # n -> (worker, since when)
        self.results: list[tuple[int, int, str]] = []
        self.done = False
        self.asking = 0  # workers waiting in get_task

    def get_task(self, worker: str) -> int | None:
        """Blocks until there is a task for `worker`, or returns None once the work is done."""
        with self.changed:
            self.asking += 1
            self.changed.wait_for(lambda: self.queue or self.done)
            self.asking -= 1
            self.changed.notify_all()
            if self.done:
                return None
            n = self.queue.popleft()
            self.holding[n] = (worker, time.monotonic())
            return n

    def put_result(self, worker: str, n: int, square: int) -> None:
        with self.changed:
            if self.holding.get(n, ("",))[0] != worker:  # only from the worker holding it
                return
            del self.holding[n]
            if square == n * n:  # checked, not believed
                self.results.append((n, square, worker))
            else:
                print(f"master: {worker}: wrong answer: {n} * {n} = {square}", file=sys.stderr)
                say(f"lost {worker} on task {n}; it goes back to the queue")
                self.queue.appendleft(n)
            self.changed.notify_all()

    def requeue_lost(self) -> None:
        with self.changed:
            now = time.monotonic()
            for n, (worker, since) in list(self.holding.items()):
                if now - since > LEASE:
                    say(f"lost {worker} on task {n}; it goes back to the queue")
                    del self.holding[n]
                    self.queue.appendleft(n)
            self.changed.notify_all()


class Manager(BaseManager):
    pass


def start_master(address: tuple[str, int], key: bytes, tasks: int):
    """Listens, puts `tasks` numbers in the queue, serves in a background thread; returns
    the address and the collector."""
    board = Board(random.sample(range(10_000), tasks))
    Manager.register("board", callable=lambda: board)
    server = Manager(address=address, authkey=key).get_server()
    host, port = server.address
    say(f"Listening on {host}:{port}")
    for n in board.queue:
        say(f"Put task {n}...")
    threading.Thread(target=server.serve_forever, daemon=True).start()  # serves till exit
    say("Try get results...")

    def collect(timeout: float) -> None:
        deadline, printed = time.monotonic() + timeout, 0
        while printed < tasks and time.monotonic() < deadline:
            with board.changed:
                board.changed.wait(0.2)
                new = board.results[printed:]
            for n, square, worker in new:
                say(f"Result: {n} * {n} = {square} (from {worker})")
            printed += len(new)
            board.requeue_lost()
        with board.changed:
            board.done = True
            board.queue.clear()
            board.changed.notify_all()
            # The workers waiting for a task hear there is none; no one keeps us past GRACE.
            board.changed.wait_for(lambda: board.asking == 0, timeout=GRACE)
        if printed < tasks:
            sys.exit(f"error: only {printed} of {tasks} results in {timeout}s")
        say("master exit.")

    return f"{host}:{port}", collect


def worker(connect: str, key: bytes, name: str, delay_ms: int) -> None:
    say(f"Connect to server {connect}...")
    host, _, port = connect.rpartition(":")
    Manager.register("board")
    manager = Manager(address=(host, int(port)), authkey=key)
    try:
        manager.connect()  # the HMAC challenge, both ways
    except AuthenticationError as e:
        sys.exit(f"error: the master at {connect}: authentication failed: {e}")
    except OSError as e:
        sys.exit(f"error: connecting to {connect}: {e}")
    say(f"Handshake ok: {name} and the master share the key.")
    board = manager.board()
    while (n := board.get_task(name)) is not None:
        say(f"run task {n} * {n}...")
        time.sleep(delay_ms / 1000)  # the tutorial's worker sleeps too: the work "takes time"
        board.put_result(name, n, n * n)
    say("worker exit.")
# ANCHOR_END: idea


def demo(key: str | None) -> None:
    """A master here, on a port the OS picks, and three worker processes of this script."""
    key = key or secrets.token_hex(16)  # unless one is given, a fresh random key
    addr, collect = start_master(("127.0.0.1", 0), key.encode(), DEMO_TASKS)
    env = {**os.environ, KEY_ENV: key}

    def start(name: str, delay_ms: int, stdout: int | None = None) -> subprocess.Popen:
        args = ["worker", "--connect", addr, "--name", name, "--delay-ms", str(delay_ms)]
        return subprocess.Popen([sys.executable, __file__, *args], env=env, stdout=stdout,
                                text=True)

    # worker-1 is killed as soon as it holds a task: the master must hand it to another.
    workers = [start("worker-1", 1000, subprocess.PIPE)]
    try:
        for line in workers[0].stdout:
            sys.stdout.write(line)  # its lines, passed on
            if line.startswith("run task "):
                break
        else:
            sys.exit("error: worker-1 ended before it took a task")
        workers[0].kill()
        workers[0].wait()
        say(f"Killed worker-1 in the middle of: {line.strip()}")
        workers += [start("worker-2", 100), start("worker-3", 100)]
        collect(DEMO_TIMEOUT)
        for w in workers:
            w.wait(timeout=DEMO_TIMEOUT)
    finally:
        for w in workers:  # whatever happened, no worker outlives the demo
            w.kill()
            w.wait()


def bounded(low: int, high: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        value = int(text)
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{value} is not in {low}..={high}")
        return value
    return parse


def main() -> None:
    sys.stdout.reconfigure(line_buffering=True)  # each line out at once, in order with the children's
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    roles = parser.add_subparsers(dest="role")
    master_args = roles.add_parser("master", help="serve the task queue, as task_master.py")
    master_args.add_argument("--listen", default="127.0.0.1:5000")
    master_args.add_argument("--tasks", type=bounded(1, 1000), default=10)
    master_args.add_argument("--timeout", type=bounded(1, 3600), default=30)
    worker_args = roles.add_parser("worker", help="take tasks from a master, as task_worker.py")
    worker_args.add_argument("--connect", default="127.0.0.1:5000")
    worker_args.add_argument("--name", default=f"worker-{os.getpid()}")
    worker_args.add_argument("--delay-ms", type=bounded(0, 1000), default=100)
    args = parser.parse_args()
    key = os.environ.get(KEY_ENV) or None
    if args.role is None:
        return demo(key)
    if key is None:
        sys.exit(f"error: no key: set {KEY_ENV} to a shared secret")
    if args.role == "master":
        host, _, port = args.listen.rpartition(":")
        _, collect = start_master((host, int(port)), key.encode(), args.tasks)
        collect(args.timeout)
    else:
        worker(args.connect, key.encode(), args.name, args.delay_ms)


if __name__ == "__main__":
    main()
