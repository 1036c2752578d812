"""Run another program: subprocess.call and communicate, and the deadlock that
waiting before reading causes. Twin of subprocess-demo.

Mirrors Liao Xuefeng's Python tutorial, 进程和线程 / 多进程 (子进程, subprocess):
https://www.liaoxuefeng.com/wiki/1016959663602400/1017628290184064
Every command is this same script in a helper role, so it works offline; give
your own command as arguments to run it instead: python3 subprocess_demo.py ls -l

Run with: python3 subprocess-demo/subprocess_demo.py
"""

import argparse
import os
import signal
import subprocess
import sys

INPUT = b"set q=mx\npython.org\nexit\n"
BIG = 1 << 20  # what the `big` helper prints: far more than any pipe holds
WAIT_LIMIT = 2  # seconds the wrong order gets before it is called a deadlock
CHILD_ROLE = "--child"
ME = [sys.executable, os.path.abspath(__file__)]
NAME = os.path.basename(__file__)


# ANCHOR: idea
def main() -> None:
    if sys.argv[1:2] == [CHILD_ROLE]:
        child(sys.argv[2] if len(sys.argv) > 2 else "")
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "command",
        nargs=argparse.REMAINDER,
        help="run this command (with its arguments) instead, and print its exit code",
    )
    command = parser.parse_args().command
    if command:
        print(f"$ {' '.join(command)}", flush=True)
        try:
            print_exit_code(subprocess.call(command))
        except OSError as e:
            sys.exit(f"error: could not start {command[0]}: {e}")
        return

    # subprocess.call: the child shares our stdout, so flush what we printed first.
    print(f"$ {NAME} --child hello", flush=True)
    print_exit_code(subprocess.call([*ME, CHILD_ROLE, "hello"]))

    # communicate: writes the input, reads all output, then waits.
    print(f"$ printf 'set q=mx\\npython.org\\nexit\\n' | {NAME} --child upper")
    with subprocess.Popen(
        [*ME, CHILD_ROLE, "upper"], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    ) as p:
        output, _ = p.communicate(INPUT)
    print(output.decode("utf-8"), end="")
    print_exit_code(p.returncode)

    # The wrong order: wait for the child to exit, then read its output.
    print(f"$ {NAME} --child big  # wait for it to exit, then read")
    with subprocess.Popen([*ME, CHILD_ROLE, "big"], stdout=subprocess.PIPE) as p:
        try:
            p.wait(timeout=WAIT_LIMIT)
        except subprocess.TimeoutExpired:
            print(
                f"deadlock: after {WAIT_LIMIT} s the child is still blocked writing to a full"
                " pipe, while we wait for it to exit; killing it"
            )
            p.kill()
            p.wait()  # reap it
        held = p.stdout.read()
    print(f"Read {len(held)} of {BIG} bytes.")
    print_exit_code(p.returncode)

    # The right order: run() reads to the end (communicate), then waits.
    print(f"$ {NAME} --child big  # read to the end, then wait")
    done = subprocess.run([*ME, CHILD_ROLE, "big"], stdout=subprocess.PIPE)
    print(f"Read {len(done.stdout)} of {BIG} bytes.")
    print_exit_code(done.returncode)
# ANCHOR_END: idea


def print_exit_code(code: int) -> None:
    if code >= 0:
        print(f"Exit code: {code}", flush=True)
    else:  # killed by a signal: Python gives minus its number
        print(f"Exit code: none (signal: {-code} ({signal.Signals(-code).name}))", flush=True)


def child(role: str) -> None:
    """The helper roles this script plays as a child of its own demo."""
    if role == "hello":
        print(f"Hello from child process {os.getpid()}.")
    elif role == "upper":  # stdin to stdout, upper-cased
        sys.stdout.write(sys.stdin.read().upper())
    elif role == "big":
        sys.stdout.write("x" * BIG)
    else:
        sys.exit(f"error: no child role {role!r}")


if __name__ == "__main__":
    main()
