"""fork: called once, returns twice. Twin of fork-demo.

Mirrors Liao Xuefeng's Python tutorial, 进程和线程 / 多进程 (os.fork):
https://www.liaoxuefeng.com/wiki/1016959663602400/1017628290184064
The parent also reaps the child with waitpid and reports its exit status.

Run with: python3 fork-demo/fork_demo.py
"""

import os
import sys


def say(line: str) -> None:
    """Prints the line whole and at once: print() may write the text and its newline apart,
    so another thread's or process's line could come between, and a line left in the buffer
    could be printed twice by a forked copy or never by a killed process."""
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


# ANCHOR: idea
def main() -> None:
    if not hasattr(os, "fork"):
        say("fork is Unix-only, so this demo does nothing on this platform.")
        say("Run `cargo run -p spawn-demo` to see a child process started portably.")
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
        say(f"Child process ({pid}) exited with status {os.WEXITSTATUS(status)}.")
    else:
        say(f"Child process ({pid}) ended abnormally: {status}.")
# ANCHOR_END: idea


if __name__ == "__main__":
    main()
