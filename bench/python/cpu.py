"""CPU-bound workloads, the same algorithms as bench/src/work.rs.

Usage: cpu.py WORKLOAD SIZE CHUNKS WORKERS WARMUP REPEATS VARIANT...
  WORKLOAD: primes | leibniz | bsearch
  VARIANT: sequential | threads | processes | pool | interpreters (Python 3.14 and later:
  concurrent.futures.InterpreterPoolExecutor, one subinterpreter per worker)
The variants run round-robin (one repeat of each in turn), so a slow spell of a shared
machine hits all of them alike. Prints one JSON object:
{VARIANT: {"answer": ..., "samples": [seconds per run, ...]}, ...}.
The work is cut into CHUNKS pieces that workers take one at a time (dynamic splitting).
"""
import json
import multiprocessing as mp
import sys
import threading
import time
from array import array

MASK = (1 << 64) - 1
DATA = array("q")  # the sorted array for bsearch, built before any worker starts
TOTAL = 0  # how many items (numbers, terms or queries) the work has
CHUNKS = 1
KIND = "primes"


def is_prime(n):
    if n < 2:
        return False
    if n < 4:
        return True
    if n % 2 == 0:
        return False
    d = 3
    while d * d <= n:
        if n % d == 0:
            return False
        d += 2
    return True


def splitmix64(x):
    x = (x + 0x9E3779B97F4A7C15) & MASK
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & MASK
    return x ^ (x >> 31)


def bounds(i):
    return TOTAL * i // CHUNKS, TOTAL * (i + 1) // CHUNKS


def run_chunk(i):
    lo, hi = bounds(i)
    if KIND == "primes":
        return sum(1 for n in range(lo, hi) if is_prime(n))
    if KIND == "leibniz":
        s = 0.0
        for k in range(lo, hi):
            t = 1.0 / (2 * k + 1)
            s += t if k % 2 == 0 else -t
        return s
    # bsearch: query j looks for a pseudo-random value in DATA[i] = 3 * i + 1.
    a, m, found = DATA, len(DATA), 0
    for j in range(lo, hi):
        q = splitmix64(j) % (3 * m)
        left, right = 0, m
        while left < right:
            mid = (left + right) // 2
            if a[mid] < q:
                left = mid + 1
            else:
                right = mid
        if left < m and a[left] == q:
            found += 1
    return found


def combine(results):
    if KIND == "leibniz":
        total = 0.0
        for r in results:  # in chunk order, so the float sum matches Rust bit for bit
            total += r
        return 4.0 * total
    return sum(results)


def sequential(_workers):
    return combine([run_chunk(i) for i in range(CHUNKS)])


def threads(workers):
    results = [None] * CHUNKS
    lock = threading.Lock()
    next_chunk = [0]

    def worker():
        while True:
            with lock:
                i = next_chunk[0]
                next_chunk[0] += 1
            if i >= CHUNKS:
                return
            results[i] = run_chunk(i)

    pool = [threading.Thread(target=worker) for _ in range(workers)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return combine(results)


def process_worker(counter, out):
    mine = []
    while True:
        with counter.get_lock():
            i = counter.value
            counter.value += 1
        if i >= CHUNKS:
            break
        mine.append((i, run_chunk(i)))
    out.put(mine)


def processes(workers):
    ctx = mp.get_context("fork")
    counter = ctx.Value("q", 0)
    out = ctx.Queue()
    procs = [ctx.Process(target=process_worker, args=(counter, out)) for _ in range(workers)]
    for p in procs:
        p.start()
    results = [None] * CHUNKS
    for _ in procs:  # read before join: a child with queued data does not exit
        for i, r in out.get():
            results[i] = r
    for p in procs:
        p.join()
    return combine(results)


def set_up(kind, size, chunks):
    """Sets the workload's globals, the bsearch array included."""
    global TOTAL, CHUNKS, KIND, DATA
    KIND, CHUNKS = kind, chunks
    if kind == "bsearch":
        # SIZE elements in the array; as many queries as a tenth of them.
        DATA = array("q", range(1, 3 * size, 3))
        TOTAL = max(size // 10, 1)
    else:
        TOTAL = size


JOB = None  # in a subinterpreter: the job its globals were set up for


def interpreter_chunk(job):
    """Runs in a subinterpreter, whose module globals are its own and outlive a call: the
    first chunk of a job sets them up (the bsearch array once per interpreter)."""
    global JOB
    if JOB != job[:3]:
        set_up(*job[:3])
        JOB = job[:3]
    return run_chunk(job[3])


def main():
    kind = sys.argv[1]
    size, chunks, workers, warmup, repeats = (int(a) for a in sys.argv[2:7])
    variants = sys.argv[7:]
    set_up(kind, size, chunks)
    pool = None
    runs = {}
    for variant in variants:
        if variant == "pool":
            # The pool starts before timing: a pool exists to be reused.
            pool = mp.get_context("fork").Pool(workers)
            runs[variant] = lambda: combine(pool.map(run_chunk, range(CHUNKS), chunksize=1))
        elif variant == "interpreters":
            # Started before timing too; each subinterpreter has its own GIL (3.14 and later).
            from concurrent.futures import InterpreterPoolExecutor

            interpreters = InterpreterPoolExecutor(workers)
            jobs = [(kind, size, chunks, i) for i in range(chunks)]
            runs[variant] = lambda: combine(list(interpreters.map(interpreter_chunk, jobs)))
        else:
            run = {"sequential": sequential, "threads": threads, "processes": processes}[variant]
            runs[variant] = lambda run=run: run(workers)
    out = {v: {"answer": None, "samples": []} for v in variants}
    for rep in range(warmup + repeats):
        for variant, run in runs.items():
            start = time.perf_counter()
            out[variant]["answer"] = run()
            elapsed = time.perf_counter() - start
            if rep >= warmup:
                out[variant]["samples"].append(elapsed)
    if pool is not None:
        pool.close()
        pool.join()
    if "interpreters" in runs:
        interpreters.shutdown()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
