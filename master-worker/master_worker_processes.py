"""Master-worker with processes: one worker crashes for real, another redoes its task.

Mirrors the master-worker model of Liao Xuefeng's Python tutorial, chapter 进程和线程
(https://www.liaoxuefeng.com/wiki/1016959663602400/1017628290184064), where a crashed
worker process leaves the master and the other workers running. The Rust twin is
src/bin/master-worker-processes.rs. Each worker here is a multiprocessing.Process with a
Pipe; the master waits on the pipes and on the processes' sentinels at once, so it sees
both results and deaths.

Run with: python3 master-worker/master_worker_processes.py
"""

import multiprocessing
import os
import resource
import signal
import sys
from collections import deque
from multiprocessing import Pipe, Process
from multiprocessing.connection import Connection, wait

TASKS = [3, 7, 12, 25, 31, 48, 50, 99]
POISONED = 5  # the first worker that takes task 5 crashes on it
WORKERS = 3
PATIENCE = 10.0  # seconds without news from any worker: an error


# ANCHOR: idea
def worker(conn: Connection) -> None:
    """For each (n, poisoned) received, send back n * n; None means no more work."""
    while (task := conn.recv()) is not None:
        n, poisoned = task
        if poisoned:
            # The crash is deliberate: ask the OS not to write a core file for it.
            resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
            os.abort()  # a real crash: no exception, no cleanup, no goodbye
        conn.send(n * n)


def how_it_ended(code: int) -> str:
    """The exit status as Rust's ExitStatus prints it."""
    if code < 0:
        return f"signal: {-code} ({signal.Signals(-code).name})"
    return f"exit status: {code}"


def main() -> None:
    # MP_START_METHOD=fork, forkserver or spawn picks how processes start (unset: the default).
    try:
        multiprocessing.set_start_method(os.environ.get("MP_START_METHOD") or None)
    except ValueError as error:
        sys.exit(f"error: MP_START_METHOD: {error}")
    print(f"Python's multiprocessing start method: {multiprocessing.get_start_method()}")
    total = len(TASKS)
    print(f"master (pid {os.getpid()}) hands {total} tasks to {WORKERS} workers")
    workers: list[Process] = []
    conns: list[Connection] = []
    for _ in range(WORKERS):
        mine, theirs = Pipe()
        process = Process(target=worker, args=(theirs,))
        process.start()
        theirs.close()  # only the worker holds its end now
        workers.append(process)
        conns.append(mine)
    names = [f"process {p.pid}" for p in workers]

    # The master keeps each idle, live worker busy, and knows who holds which task.
    todo = deque((i, i == POISONED) for i in range(1, total + 1))
    holding: list[int | None] = [None] * WORKERS
    alive = [True] * WORKERS
    results: list[tuple[int, int] | None] = [None] * total
    try:
        while None in results:
            for w in range(WORKERS):
                if alive[w] and holding[w] is None and todo:
                    task_id, poisoned = todo.popleft()
                    conns[w].send((TASKS[task_id - 1], poisoned))
                    holding[w] = task_id
            live = [w for w in range(WORKERS) if alive[w]]
            ready = wait([conns[w] for w in live] + [workers[w].sentinel for w in live], PATIENCE)
            if not ready:
                raise SystemExit(f"error: waiting for the workers: no news in {PATIENCE} s")
            for w in live:
                if conns[w] in ready:
                    try:
                        square = conns[w].recv()
                    except EOFError:
                        pass  # its end closed: it died, and its sentinel says so too
                    else:
                        task_id, holding[w] = holding[w], None
                        n = TASKS[task_id - 1]
                        print(f"{names[w]} did task {task_id}: {n} * {n} = {square}")
                        results[task_id - 1] = (square, w)
                if workers[w].sentinel in ready:
                    alive[w] = False
                    workers[w].join()  # reap it: its exit code says how it died
                    status = how_it_ended(workers[w].exitcode)
                    if (task_id := holding[w]) is not None:
                        holding[w] = None
                        print(f"{names[w]} crashed ({status}) on task {task_id}; "
                              "it goes back to the queue")
                        todo.appendleft((task_id, False))  # the next worker gets a plain task
        print(f"collected {total} of {total} results with processes")
        for w in range(WORKERS):
            if alive[w]:
                conns[w].send(None)  # no more work: the worker returns
                workers[w].join(PATIENCE)
    finally:
        for process in workers:  # on any error too: none is left behind
            if process.is_alive():
                process.kill()
            process.join()
    print(" task |  n | n * n | process")
    for i, (square, w) in enumerate(results):
        print(f"{i + 1:>5} | {TASKS[i]:>2} | {square:>5} | {names[w]}")
# ANCHOR_END: idea


if __name__ == "__main__":
    main()
