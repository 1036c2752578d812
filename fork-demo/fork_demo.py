"""fork: called once, returns twice. Twin of fork-demo.

Mirrors Liao Xuefeng's Python tutorial, 进程和线程 / 多进程 (os.fork):
https://www.liaoxuefeng.com/wiki/1016959663602400/1017628290184064
The parent also reaps the child with waitpid and reports its exit status.

Run with: python3 fork-demo/fork_demo.py
"""

import os
import sys


def say(line: str) -> None:
    """Prints a line at once and in one piece: parent and child share one stdout,
    and print() may write a line's text and its newline apart."""
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


# ANCHOR: idea
def main() -> None:
    if not hasattr(os, "fork"):
        print("fork is Unix-only, so this demo does nothing on this platform.")
        print("Run `cargo run -p spawn-demo` to see a child process started portably.")
        return
    # say() flushes: a line still in stdout's buffer at fork would be printed
    # twice, once by each copy of the process.
    say(f"Process ({os.getpid()}) start...")
    pid = os.fork()
    if pid == 0:
        say(f"I am child process ({os.getpid()}) and my parent is {os.getppid()}.")
        os._exit(0)  # leave at once: the exit-time cleanup belongs to the parent
    say(f"I ({os.getpid()}) just created a child process ({pid}).")
    # Reaping collects the child's exit status; until then it is a zombie.
    _, status = os.waitpid(pid, 0)
    if os.WIFEXITED(status):
        print(f"Child process ({pid}) exited with status {os.WEXITSTATUS(status)}.")
    else:
        print(f"Child process ({pid}) ended abnormally: {status}.")
# ANCHOR_END: idea


if __name__ == "__main__":
    main()
