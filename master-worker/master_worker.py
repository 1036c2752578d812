"""Master-worker with threads: one worker raises on a poisoned task, another redoes it.

Mirrors the master-worker model of Liao Xuefeng's Python tutorial, chapter 进程和线程
(https://www.liaoxuefeng.com/wiki/1016959663602400/1017628290184064), here with threads.
The Rust twin is src/main.rs, where the worker panics and the master catches the panic at
join. Python's Thread.join() returns nothing, so here the worker hands its exception to
the master on the way out, and threading.excepthook prints it in one line.

Run with: python3 master-worker/master_worker.py
"""

import os
import queue
import sys
import threading
from collections import deque

TASKS = [3, 7, 12, 25, 31, 48, 50, 99]
POISONED = 5  # the first worker that takes task 5 fails on it
WORKERS = 3
PATIENCE = 10.0  # seconds without news from any worker: an error

Task = tuple[int, bool]  # its number (1 to 8), and whether it is still poisoned


# ANCHOR: idea
def name(w: int) -> str:
    return f"worker-{w + 1}"


def worker(w: int, inbox: "queue.Queue[Task | None]", events: queue.Queue) -> None:
    try:
        while (task := inbox.get()) is not None:
            task_id, poisoned = task
            if poisoned:
                raise RuntimeError(f"poison task {task_id}")
            n = TASKS[task_id - 1]
            events.put(("done", w, n * n))
    except Exception as error:
        events.put(("gone", w, error))  # the master hears why, then the thread ends
        raise


def one_line_errors(args: threading.ExceptHookArgs) -> None:
    """The default hook prints a whole traceback; one line is enough here."""
    thread = args.thread.name if args.thread else "<unnamed>"
    error = args.exc_value
    print(f"Exception in thread {thread}: {type(error).__name__}: {error}", file=sys.stderr)


def main() -> None:
    threading.excepthook = one_line_errors
    total = len(TASKS)
    print(f"master (pid {os.getpid()}) hands {total} tasks to {WORKERS} workers")
    events: queue.Queue = queue.Queue()
    inboxes: list[queue.Queue] = []
    threads: list[threading.Thread | None] = []
    for w in range(WORKERS):
        inbox: queue.Queue = queue.Queue()
        thread = threading.Thread(target=worker, args=(w, inbox, events), name=name(w))
        thread.start()
        inboxes.append(inbox)
        threads.append(thread)

    # The master keeps each idle, live worker busy, and knows who holds which task.
    todo: deque[Task] = deque((i, i == POISONED) for i in range(1, total + 1))
    holding: list[Task | None] = [None] * WORKERS
    results: list[tuple[int, int] | None] = [None] * total
    while None in results:
        for w in range(WORKERS):
            if threads[w] is not None and holding[w] is None and todo:
                holding[w] = todo.popleft()
                inboxes[w].put(holding[w])
        try:
            kind, w, value = events.get(timeout=PATIENCE)
        except queue.Empty:
            sys.exit(f"error: waiting for the workers: no news in {PATIENCE} s")
        task_id, _ = holding[w]
        holding[w] = None
        if kind == "done":
            n = TASKS[task_id - 1]
            print(f"{name(w)} did task {task_id}: {n} * {n} = {value}")
            results[task_id - 1] = (value, w)
        else:
            threads[w].join()
            threads[w] = None
            print(f"{name(w)} raised {value!r} on task {task_id}; it goes back to the queue")
            todo.appendleft((task_id, False))  # the next worker gets a plain task
    print(f"collected {total} of {total} results with threads")
    for w, thread in enumerate(threads):
        if thread is not None:
            inboxes[w].put(None)  # no more work: the loop ends
            thread.join()
    print(
        "note: a Python exception ends only its own thread; os.abort() (or a segfault) in any "
        "thread ends the whole process"
    )
    print(" task |  n | n * n | thread")
    for i, (square, w) in enumerate(results):
        print(f"{i + 1:>5} | {TASKS[i]:>2} | {square:>5} | {name(w)}")
# ANCHOR_END: idea


if __name__ == "__main__":
    main()
