"""Increments of one shared counter under a threading.Lock.

Usage: locks.py COUNT THREADS WARMUP REPEATS
COUNT increments in all, shared by THREADS threads (1 = uncontended).
Prints {"answer": the final counter, "samples": [seconds per increment, ...]}.
"""
import sys
import threading

from measure import report


def run(count, nthreads):
    lock = threading.Lock()
    counter = [0]
    share = count // nthreads

    def work():
        for _ in range(share):
            with lock:
                counter[0] += 1

    if nthreads == 1:
        work()
    else:
        pool = [threading.Thread(target=work) for _ in range(nthreads)]
        for t in pool:
            t.start()
        for t in pool:
            t.join()
    return counter[0]


def main():
    count, nthreads, warmup, repeats = (int(a) for a in sys.argv[1:5])
    count -= count % nthreads  # every thread does the same share
    report(lambda: run(count, nthreads), warmup, repeats, per=count)


if __name__ == "__main__":
    main()
