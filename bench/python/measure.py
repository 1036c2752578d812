"""What every bench script shares: timing a run after warm-ups, and the JSON bench reads."""
import json
import sys
import time


def report(run, warmup, repeats, per=1):
    """Calls run() warmup + repeats times and prints {"answer": what the last call returned,
    "samples": the seconds each timed call took, divided by per}."""
    samples, answer = [], None
    for rep in range(warmup + repeats):
        start = time.perf_counter()
        answer = run()
        elapsed = time.perf_counter() - start
        if rep >= warmup:
            samples.append(elapsed / per)
    print(json.dumps({"answer": answer, "samples": samples}))


def peak_kib():
    """The peak resident memory of this process, in KiB (VmHWM on Linux: see io.py)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak // 1024 if sys.platform == "darwin" else peak  # macOS reports bytes
