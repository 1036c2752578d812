"""The seed's workloads, Leibniz pi and binary search, timed in one process, in threads and in
worker processes. Every piece of work runs in an executor, never on the event loop, so the
bot answers other chats meanwhile; the process pool is what gives Python a second core."""

import asyncio
import bisect
import json
import multiprocessing
import os
import shutil
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import bench_bot_drive

WORKERS = 2
EDIT_EVERY = 2.0  # seconds between edits of the progress message (Telegram limits edits)
# Terms of the pi series and searches per run, by mode.
SIZES = {"--smoke": (20_000, 2_000), "--quick": (1_500_000, 200_000), "full": (6_000_000, 800_000)}
ARRAY = list(range(0, 2_000_000, 2))


def leibniz(start, stop):
    total = 0.0
    for k in range(start, stop):
        total += (-1.0) ** k / (2 * k + 1)
    return 4 * total


def searches(start, stop):
    found = 0
    for k in range(start, stop):
        key = (k * 7919) % 2_000_000
        i = bisect.bisect_left(ARRAY, key)
        found += i < len(ARRAY) and ARRAY[i] == key
    return found


def chunks(n, parts):
    step = n // parts
    return [(i * step, n if i == parts - 1 else (i + 1) * step) for i in range(parts)]


async def timed(pool, work, n, parts):
    loop = asyncio.get_running_loop()
    started = time.perf_counter()
    await asyncio.gather(*(loop.run_in_executor(pool, work, a, b) for a, b in chunks(n, parts)))
    return time.perf_counter() - started


async def measure(mode, progress, cancelled):
    """Rows of (workload, variant, workers, seconds, speedup); stops early when cancelled."""
    pi_terms, search_count = SIZES.get(mode, SIZES["full"])
    rows = []
    with ProcessPoolExecutor(WORKERS) as processes, ThreadPoolExecutor(WORKERS) as threads:
        for name, work, n in [("Leibniz pi", leibniz, pi_terms), ("binary search", searches, search_count)]:
            base = None
            for variant, pool, parts in [("sequential", processes, 1), ("threads", threads, WORKERS),
                                         ("processes", processes, WORKERS)]:
                if cancelled.is_set():
                    kill_workers()
                    return None
                progress(f"measuring {name}, {variant}")
                await timed(pool, work, 10 * parts, parts)  # warm-up: start the workers first
                seconds = await timed(pool, work, n, parts)
                base = base or seconds
                rows.append((f"{name}, {n} items", variant, parts, seconds, base / seconds))
    return rows


def kill_workers():
    """Ends the pool's worker processes at once (a cancelled run leaves none behind)."""
    for child in multiprocessing.active_children():
        child.kill()
        child.join()


def write_report(rows, out):
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "results.json"), "w") as f:
        json.dump([dict(zip(["workload", "variant", "workers", "seconds", "speedup"], r)) for r in rows], f)
    lines = ["### cpu: time per run; speedup = sequential / this", "",
             "| workload | variant | workers | Python | speedup |", "|---|---|---|---|---|"]
    lines += [f"| {w} | {v} | {n} | {s * 1000:.1f} ms | {x:.2f}x |" for w, v, n, s, x in rows]
    speedup = {(w.split(",")[0], v): x for w, v, n, s, x in rows}
    lines += ["", "### targets (BENCH.md)", "", "| target | this run | status |", "|---|---|---|"]
    for name in ["Leibniz pi", "binary search"]:
        threads = speedup[(name, "threads")]
        status = "met" if threads <= 1.05 else "missed"
        lines.append(f"| {name}: Python threads speedup <= 1.05 (processes: "
                     f"{speedup[(name, 'processes')]:.2f}x) | {threads:.2f}x | {status} |")
    with open(os.path.join(out, "results.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    return "\n".join(lines[lines.index("### targets (BENCH.md)"):]), [
        os.path.join(out, "results.json"), os.path.join(out, "results.md")]


async def run(bot, chat, mode, label, cancelled, drive):
    """One job: a progress message edited while it runs, then the table and the Drive links."""
    message = await bot.send_message(chat, f"{label}: running, 0 s")
    started, last = time.monotonic(), [""]

    async def tick():
        shown = ""
        while True:
            await asyncio.sleep(EDIT_EVERY)
            text = f"{label}: running, {int(time.monotonic() - started)} s {last[0]}".rstrip()
            if text != shown:
                await bot.edit_message_text(text, chat, message.message_id)
                shown = text

    ticker = asyncio.create_task(tick())
    try:
        rows = await measure(mode, lambda line: last.__setitem__(0, line), cancelled)
    finally:
        ticker.cancel()
    if rows is None:
        await bot.edit_message_text(f"{label}: cancelled; its processes were killed.", chat, message.message_id)
        return
    out = tempfile.mkdtemp(prefix="bench-bot-")
    try:
        table, files = write_report(rows, out)
        await bot.edit_message_text(f"{label}: done in {time.monotonic() - started:.1f} s", chat, message.message_id)
        await bot.send_message(chat, table)
        reply = await bench_bot_drive.answer(drive, files)
        await bot.send_message(chat, reply)
    finally:
        shutil.rmtree(out, ignore_errors=True)
