"""Distributed processes on a real message broker (Redis), the Python twin of broker-demo.

Liao Xuefeng's Python tutorial, 进程和线程 (processes and threads), 分布式进程 (distributed
processes): https://www.liaoxuefeng.com/wiki/1016959663602400/1017628290184064
Its task_master.py / task_worker.py share two queues through a BaseManager; here the queue
is a Redis stream read through a consumer group, as RQ or Celery users would put it on a
broker. The messages are the Rust program's, so Python and Rust masters and workers mix.

Run with: python3 broker_demo.py            (its own redis-server, a master, two workers)
      or: REDIS_URL=redis://:PASSWORD@127.0.0.1:6379 python3 broker_demo.py master --tasks 10
          and elsewhere: REDIS_URL=... python3 broker_demo.py worker
Needs redis-py (pip install redis) and, for the default run, redis-server.
"""

import argparse
import json
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time

import redis

TASKS = "broker-demo:tasks"  # a stream of task messages, for every master
GROUP = "workers"  # every worker reads TASKS through this group
CLAIM_AFTER_MS = 2000  # a task held this long without an ack belongs to a dead worker
MAX_DELIVERIES = 3  # a task delivered this often without an ack is given up
WORK = 0.3  # seconds per task; the tutorial sleeps 1 s
PATIENCE = 15  # seconds a master waits for a reply, a worker for a task
NETWORK_LIMIT = 5  # seconds Redis has to answer any command; none blocks longer than 1 s
MAX_MESSAGE = 1024  # bytes; a longer message is malformed


def key(run: int, what: str) -> str:
    """The list run `run`'s replies go to ("results"), and the key that says it is done."""
    return f"broker-demo:{run}:{what}"


# ANCHOR: idea
def master(url: str, tasks: int) -> None:
    r, _ = connect(url)
    run = random.getrandbits(64)  # this run's own keys: another master's replies never reach it
    try:
        r.xgroup_create(TASKS, GROUP, id="$", mkstream=True)
    except redis.ResponseError as e:
        if not str(e).startswith("BUSYGROUP"):  # BUSYGROUP: it is there already, which will do
            raise
    waiting: dict[int, int] = {}
    for task_id in range(1, tasks + 1):
        n = random.randint(0, 9999)
        print(f"Put task {n}...")
        r.xadd(TASKS, {"task": json.dumps({"run": run, "id": task_id, "n": n})})
        waiting[task_id] = n
    print("Try get results...")
    deadline = time.monotonic() + PATIENCE
    while waiting:
        if time.monotonic() > deadline:
            raise SystemExit(f"error: no reply in {PATIENCE}s, {len(waiting)} missing")
        popped = r.blpop([key(run, "results")], timeout=1)
        if popped is None:
            continue
        deadline = time.monotonic() + PATIENCE
        reply = parse(popped[1], "square", 2**64)
        if reply is None:
            print("malformed reply dropped")
            continue
        # At least once: a task done twice replies twice. Each id counts once, here.
        task_id, square, by = reply["id"], reply["square"], reply["worker"]
        n = waiting.get(task_id)
        if n is None:
            print(f"Extra reply to task {task_id} dropped")
            continue
        if square is not None and square != n * n:  # checked, not believed: that worker's error
            print(f"master: {by} answered {n} * {n} = {square}: wrong; task {task_id} goes back",
                  file=sys.stderr)
            r.xadd(TASKS, {"task": json.dumps({"run": run, "id": task_id, "n": n})})
            continue
        if square is None:
            print(f"Gave up task {task_id} ({n} * {n}) after {MAX_DELIVERIES} deliveries")
        else:
            print(f"Result: {n} * {n} = {square}")
        del waiting[task_id]
    r.set(key(run, "done"), 1, ex=10)  # the workers stop when they see it; it expires
    r.delete(key(run, "results"))  # as the replies left do at once
    print("master exit.")


def worker(url: str, me: str, crash_on_task: int | None) -> None:
    r, addr = connect(url)
    print(f"Connect to server {addr}...")
    last_task, served = time.monotonic(), None
    while True:
        got = next_task(r, me)
        if got is None:
            # No task waiting: stop once the run served is done, or after PATIENCE.
            if (served is not None and r.exists(key(served, "done"))) \
                    or time.monotonic() - last_task > PATIENCE:
                break
            continue
        entry_id, fields, deliveries = got
        last_task = time.monotonic()
        # Bytes, not text: an entry that is not UTF-8 is malformed, like any other.
        task = parse(fields.get(b"task", b""), "n", 2**32)
        if task is None:
            print(f"malformed task {entry_id.decode()} dropped")
            finish(r, entry_id)  # so that it is not delivered again
            continue
        served = task["run"]
        # Past MAX_DELIVERIES the task is given up (no square), not run again.
        square = None
        if deliveries <= MAX_DELIVERIES:
            if deliveries > 1:
                print(f"task {task['id']} redelivered (delivery {deliveries})")
            print(f"run task {task['n']} * {task['n']}...")
            if crash_on_task == task["id"]:
                os._exit(3)  # no ack: the task stays pending, held by no one
            time.sleep(WORK)
            square = task["n"] * task["n"]
        reply = {"id": task["id"], "square": square, "worker": me}
        r.rpush(key(task["run"], "results"), json.dumps(reply))
        # Ack only now that the reply is out: a worker that dies before this line
        # leaves the task pending, and another worker takes it over.
        finish(r, entry_id)
    print("worker exit.")


def finish(r: redis.Redis, entry_id: bytes) -> None:
    """Acks the entry and deletes it: the stream, which every run shares, keeps only the
    tasks still to do."""
    r.xack(TASKS, GROUP, entry_id)
    r.xdel(TASKS, entry_id)
# ANCHOR_END: idea


def next_task(r: redis.Redis, me: str) -> tuple[bytes, dict, int] | None:
    """A task held too long by another worker (XAUTOCLAIM), else a new one (XREADGROUP,
    waiting up to 1 s), with how many times it has been delivered."""
    try:
        _, entries, *_ = r.xautoclaim(TASKS, GROUP, me, CLAIM_AFTER_MS, "0", count=1)
    except redis.ResponseError as e:
        if not str(e).startswith("NOGROUP"):
            raise
        time.sleep(1)  # the master has not started yet
        return None
    if not entries:
        read = r.xreadgroup(GROUP, me, {TASKS: ">"}, count=1, block=1000)
        entries = [entry for _, stream in read for entry in stream]
    if not entries:
        return None
    entry_id, fields = entries[0]
    pending = r.xpending_range(TASKS, GROUP, entry_id, entry_id, 1)
    return entry_id, fields or {}, pending[0]["times_delivered"] if pending else 1


def connect(url: str) -> tuple[redis.Redis, str]:
    """A connection whose every command must be answered within NETWORK_LIMIT, its password
    checked, and HOST:PORT for messages (the URL itself may hold a password)."""
    try:
        r = redis.Redis.from_url(url, socket_timeout=NETWORK_LIMIT,
                                 socket_connect_timeout=NETWORK_LIMIT)
    except ValueError as e:
        raise SystemExit(f"error: not a Redis URL (redis://[:PASSWORD@]HOST:PORT): {e}")
    kwargs = r.connection_pool.connection_kwargs
    addr = f"{kwargs.get('host')}:{kwargs.get('port')}"
    try:
        r.ping()  # a wrong or missing password fails here
    except redis.TimeoutError:
        raise SystemExit(f"error: Redis at {addr} did not answer in {NETWORK_LIMIT}s")
    except redis.RedisError as e:
        raise SystemExit(f"error: Redis at {addr}: {e}")
    return r, addr


def parse(raw: bytes, field: str, limit: int) -> dict | None:
    """A message off the broker, or None unless it is an object whose numbers are whole and
    fit the Rust side's types (`run` below 2**64, `id` below 2**32, `field` below `limit`).
    The reply's `square` may be null: the task was given up; it names its `worker`."""
    if len(raw) > MAX_MESSAGE:
        return None
    try:
        message = json.loads(raw)
    except ValueError:  # not JSON, or not UTF-8
        return None
    if not isinstance(message, dict):
        return None
    def fits(value: object, below: int) -> bool:
        return type(value) is int and 0 <= value < below
    value = message.get(field)
    if field == "square":
        ok = (value is None or fits(value, limit)) and isinstance(message.get("worker"), str)
    else:
        ok = fits(value, limit) and fits(message.get("run"), 2**64)
    return message if ok and fits(message.get("id"), 2**32) else None


def demo() -> None:
    """The default run: a redis-server of its own, a master and two workers, one killed
    while it holds a task."""
    children: list[subprocess.Popen] = []
    try:
        url, r = start_redis(children)
        if url is None:
            return
        for args in [["master"], ["worker", "--name", "worker-1"], ["worker", "--name", "worker-2"]]:
            # The URL, password and all, goes in the environment: `ps` shows arguments.
            env = {**os.environ, "REDIS_URL": url}
            children.append(subprocess.Popen([sys.executable, __file__, *args], env=env))
        deadline = time.monotonic() + 60
        victim = None
        while victim is None:  # a worker that has held a task for 100 ms is inside its work
            try:
                pending = r.xpending_range(TASKS, GROUP, "-", "+", 10)
            except redis.ResponseError:
                pending = []  # no group yet
            held = [p["consumer"].decode() for p in pending if p["time_since_delivered"] >= 100]
            victim = held[0] if held else None
            if time.monotonic() > deadline:
                raise SystemExit("error: no worker took a task")
            time.sleep(0.02)
        killed = children[2 if victim == "worker-1" else 3]
        killed.kill()
        killed.wait()
        children.remove(killed)
        print(f"Killed {victim} while it held a task: "
              f"another worker takes it after {CLAIM_AFTER_MS // 1000} s")
        for child in children[1:]:
            if child.wait(timeout=max(deadline - time.monotonic(), 0)) != 0:
                raise SystemExit(f"error: process {child.pid} failed")
    finally:
        for child in children:  # redis-server, and anything left after an error
            child.kill()
            child.wait()


def start_redis(children: list) -> tuple[str | None, redis.Redis | None]:
    """redis-server on a free 127.0.0.1 port with a fresh password, saving nothing, as the
    first of `children`; (None, None) if it is not installed."""
    with socket.socket() as s:  # free now; if another process takes it, the server exits
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    password = secrets.token_hex(16)
    config = (f'bind 127.0.0.1\nport {port}\nrequirepass {password}\nsave ""\n'
              f'appendonly no\ndir "{tempfile.gettempdir()}"\n')
    try:
        # Settings go in on stdin (`redis-server -`), where `ps` cannot see the password.
        server = subprocess.Popen(["redis-server", "-"], stdin=subprocess.PIPE,
                                  stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL, text=True)
    except FileNotFoundError:
        print("skipped: this demo needs redis-server "
              "(apt-get install redis-server, or brew install redis)")
        return None, None
    children.append(server)
    server.stdin.write(config)
    server.stdin.close()  # end of file: it starts once it has read every setting
    url = f"redis://:{password}@127.0.0.1:{port}"
    deadline = time.monotonic() + 10
    while True:
        try:
            r = redis.Redis.from_url(url, socket_timeout=NETWORK_LIMIT,
                                     socket_connect_timeout=NETWORK_LIMIT)
            r.ping()
            print(f"Started redis-server on 127.0.0.1:{port} (a password, no persistence)")
            return url, r
        except redis.RedisError:
            if server.poll() is not None:
                raise SystemExit(f"error: redis-server exited ({server.returncode})")
            if time.monotonic() > deadline:
                raise SystemExit("error: redis-server did not start within 10 s")
            time.sleep(0.05)


def bounded(low: int, high: int):
    def parse_int(text: str) -> int:
        value = int(text)
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{value} is not in {low}..={high}")
        return value
    return parse_int


def main() -> None:
    # Each line out at once and whole (one write), even to a pipe the processes share and
    # under `python3 -u`, which would write the text and its newline apart.
    sys.stdout.reconfigure(line_buffering=True, write_through=False)
    # SIGTERM ends this process through SystemExit, so `finally` stops the redis-server too.
    signal.signal(signal.SIGTERM, lambda signum, _: sys.exit(128 + signum))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    roles = parser.add_subparsers(dest="role")
    for role in ["master", "worker"]:
        sub = roles.add_parser(role)
        sub.add_argument("--redis", default=os.environ.get("REDIS_URL"),
                         required="REDIS_URL" not in os.environ,
                         help="redis://[:PASSWORD@]HOST:PORT (or set REDIS_URL)")
    roles.choices["master"].add_argument("--tasks", type=bounded(1, 1000), default=10)
    roles.choices["worker"].add_argument("--name", default=f"worker-{os.getpid()}")
    roles.choices["worker"].add_argument("--crash-on-task", type=int)
    args = parser.parse_args()
    try:
        if args.role == "master":
            master(args.redis, args.tasks)
        elif args.role == "worker":
            worker(args.redis, args.name, args.crash_on_task)
        else:
            demo()
    except redis.TimeoutError:
        raise SystemExit(f"error: Redis did not answer in {NETWORK_LIMIT}s")


if __name__ == "__main__":
    main()
