"""Thread-local storage: one name, a separate value in every thread. Twin of threadlocal-demo.

Mirrors Liao Xuefeng's Python tutorial, 进程和线程 / ThreadLocal:
https://www.liaoxuefeng.com/wiki/1016959663602400/1017628290184064
Each thread sets `local_school.student`, and every function it calls reads its own thread's
student with no argument passed. Then the two alternatives the tutorial rejects: passing the
student down every call, and a global dict keyed by thread.

Run with: python3 threadlocal-demo/threadlocal_demo.py
"""

import sys
import threading
from collections.abc import Callable

# One object, a separate set of attributes in every thread.
local_school = threading.local()


def say(line: str) -> None:
    """Prints the line whole and at once: print() may write the text and its newline apart,
    so another thread's or process's line could come between, and a line left in the buffer
    could be printed twice by a forked copy or never by a killed process."""
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


# ANCHOR: idea
def process_student() -> None:
    """Deep in the call tree: reads the student without being given it."""
    student = getattr(local_school, "student", None)
    me = threading.current_thread().name
    say(f"Hello, {student} (in {me})" if student else f"no student (in {me})")


def in_two_threads(task: Callable[[str, threading.Barrier], None]) -> None:
    """Runs task(student, meet) in Thread-A with Alice and in Thread-B with Bob, at the same
    time, and joins both. Each task calls meet.wait() once, after setting up its student and
    before reading it, so the two values really exist side by side when they are read."""
    meet = threading.Barrier(2)
    threads = [threading.Thread(target=task, args=(student, meet), name=name)
               for name, student in [("Thread-A", "Alice"), ("Thread-B", "Bob")]]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def process_thread(student: str, meet: threading.Barrier) -> None:
    local_school.student = student
    meet.wait()  # Both threads have now set local_school.student, each its own.
    process_student()


# Alternative 1, rejected by the tutorial: pass the student down every call, through
# functions that do not use it themselves. Correct, but every signature on the way pays.
def do_task(student: str) -> None:
    do_subtask(student)


def do_subtask(student: str) -> None:
    say(f"passed down: Hello, {student} (in {threading.current_thread().name})")


def passed_down_task(student: str, meet: threading.Barrier) -> None:
    meet.wait()
    do_task(student)


# Alternative 2, rejected too: one global dict keyed by thread. Every entry stays until
# someone removes it by hand.
students: dict[threading.Thread, str] = {}


def global_map_task(student: str, meet: threading.Barrier) -> None:
    me = threading.current_thread()
    students[me] = student
    meet.wait()
    name = students.pop(me, "nobody")  # Forgetting to remove leaks one entry per thread.
    say(f"global map: Hello, {name} (in {me.name})")


def main() -> None:
    in_two_threads(process_thread)
    # The main thread never set its own student, so it sees none of the values above.
    me = threading.current_thread().name
    student = getattr(local_school, "student", None)
    if student is None:
        say(f"thread {me} has no student: each value lived in its own thread")
    else:
        say(f"thread {me} has student {student}")
    in_two_threads(passed_down_task)
    in_two_threads(global_map_task)
# ANCHOR_END: idea


if __name__ == "__main__":
    main()
