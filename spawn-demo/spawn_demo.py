"""Start a child process and wait for it: multiprocessing.Process. Twin of spawn-demo.

Mirrors Liao Xuefeng's Python tutorial, 进程和线程 / 多进程 (multiprocessing):
https://www.liaoxuefeng.com/wiki/1016959663602400/1017628290184064
It also shows that processes share no memory: the child fills a global list,
and the parent's list is still empty after the child has ended.

Run with: python3 spawn-demo/spawn_demo.py
"""

import multiprocessing
import os
import sys
from multiprocessing import Process

RESULT: list[int] = []  # a global: each process has its own


# ANCHOR: idea
def run_proc(name: str) -> None:
    """What the child process runs."""
    print(f"Run child process {name} ({os.getpid()})...", flush=True)
    RESULT.extend(x * x for x in range(1, 5))
    print(f"Result (in child process {os.getpid()}): {RESULT}", flush=True)


def main() -> None:
    # MP_START_METHOD=fork, forkserver or spawn picks how processes start (unset: the default).
    try:
        multiprocessing.set_start_method(os.environ.get("MP_START_METHOD") or None)
    except ValueError as error:
        sys.exit(f"error: MP_START_METHOD: {error}")
    print("Python's multiprocessing start method:", multiprocessing.get_start_method(), flush=True)
    print(f"Parent process {os.getpid()}.")
    p = Process(target=run_proc, args=("test",))
    # flush before start: where the child is forked, it gets a copy of
    # stdout's buffer and would print what is in it again.
    print("Child process will start.", flush=True)
    p.start()
    p.join()
    if p.exitcode != 0:
        raise SystemExit(f"error: the child process failed: exit code {p.exitcode}")
    print("Child process end.")
    print(f"Result (in parent process {os.getpid()}): {RESULT}")
# ANCHOR_END: idea


if __name__ == "__main__":
    main()
