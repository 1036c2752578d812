"""A real deadlock, noticed by a watchdog, then the fix: the Python twin of `deadlock`.

Mirrors Liao Xuefeng's Python tutorial, 进程和线程 / 多线程, where it warns that threads
holding each other's locks wait forever:
https://www.liaoxuefeng.com/wiki/1016959663602400/1017628290184064
Two threads take two locks in opposite order and deadlock for real; the watchdog sees no
progress, says who holds which lock and waits for which, and the program goes on. Then every
thread takes the locks in one order, and all rounds finish.

Run with: python3 lock-deadlock/deadlock.py
"""

import queue
import threading

A, B = 0, 1
LOCK_NAMES = ["lock A", "lock B"]
WATCHDOG = 1.0  # seconds without progress before the watchdog calls it a deadlock
# With one lock order nothing can deadlock, so silence means a stalled machine: the watchdog
# waits far longer before it gives up.
FIXED_ORDER_WATCHDOG = 10.0
ROUNDS = 1000


# ANCHOR: idea
def main() -> None:
    print("deadlock: thread-1 takes lock A then lock B, thread-2 takes lock B then lock A")
    done, board = run_pair([[A, B], [B, A]], 1, force=True)
    if done is not None:
        raise SystemExit("error: opposite lock orders did not deadlock")
    print(f"deadlock detected: no progress for {WATCHDOG:.1f} s")
    for line in board:
        print(f"  {line}")
    print("thread-1 and thread-2 can never be joined: they are left blocked and end when the "
          "process exits")

    # The fix: every thread takes the locks in one global order (A before B). No thread can
    # hold B while waiting for A, so a cycle of waits cannot form.
    done, board = run_pair([[A, B], [A, B]], ROUNDS, force=False)
    if done is None:
        raise SystemExit(f"error: fixed lock order stuck: {board}")
    print(f"with a fixed lock order: done (lock A then lock B, {done[0]} times by thread-1, "
          f"{done[1]} by thread-2)")


def run_pair(orders: list[list[int]], rounds: int,
             force: bool) -> tuple[list[int] | None, list[str]]:
    """Starts thread-1 and thread-2, taking the locks in the given orders, and watches them.
    Returns the rounds each finished, or None and the board if they made no progress."""
    locks = [threading.Lock(), threading.Lock()]
    # Who holds and who waits for what: a Lock cannot name its owner, so each thread reports
    # here. This lock is never held while taking another, so it cannot deadlock.
    board = ["", ""]
    board_lock = threading.Lock()
    # Only to force the deadlock: both threads hold their first lock before either asks for
    # its second, so the bad interleaving happens every time, not once in a while.
    both_hold_one = threading.Barrier(2) if force else None
    progress: queue.SimpleQueue[int | None] = queue.SimpleQueue()

    def worker(who: int, order: list[int]) -> None:
        first, second = (LOCK_NAMES[i] for i in order)
        for _ in range(rounds):
            with locks[order[0]]:
                if both_hold_one:
                    both_hold_one.wait()
                with board_lock:
                    board[who] = f"thread-{who + 1} holds {first} and waits for {second}"
                with locks[order[1]]:
                    progress.put(who)
        progress.put(None)  # This thread has finished.

    # Daemon threads: a deadlocked thread can never be joined, and the process may still exit.
    threads = [threading.Thread(target=worker, args=(who, order), name=f"thread-{who + 1}",
                                daemon=True)
               for who, order in enumerate(orders)]
    for thread in threads:
        thread.start()
    done, finished = [0, 0], 0
    patience = WATCHDOG if force else FIXED_ORDER_WATCHDOG
    while finished < len(threads):
        try:
            who = progress.get(timeout=patience)
        except queue.Empty:
            with board_lock:
                return None, list(board)
        if who is None:
            finished += 1
        else:
            done[who] += 1  # That thread got both locks once more.
    for thread in threads:
        thread.join()
    return done, board
# ANCHOR_END: idea


if __name__ == "__main__":
    main()
