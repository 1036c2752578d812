"""The jobs people bring to threads and processes, one run in a process of its own.

Usage: realworld.py words  sequential|threads|processes WORKERS CORPUS [PAGES]
       realworld.py hash   sequential|threads|processes WORKERS TREE_DIR [PAGES]
       realworld.py scrape asyncio|threads WORKERS PORT PAGES
words: the 20 most frequent words of CORPUS, counted in 64 pieces cut at line ends.
hash: SHA-256 of every file under TREE_DIR; hashlib releases the GIL while it hashes a large
buffer, so threads run in parallel here. scrape: fetch /page/0 .. /page/PAGES-1 from
127.0.0.1:PORT and collect their links.
Prints {"answer": ..., "wall": seconds, "peak_kib": peak resident memory in KiB}; the answers
are the Rust side's (bench/src/realworld.rs), value for value.
"""
import hashlib
import importlib
import json
import os
import socket
import sys
import time
from collections import Counter

from measure import peak_kib

# asyncio, concurrent.futures and multiprocessing are imported for the variants that use them
# (every run is a fresh process, and importing all three took longer than some runs), and
# before the clock starts, with the submodules they would otherwise load at first use.
NEEDS = {
    "threads": ["concurrent.futures.thread"],
    "processes": ["multiprocessing.pool", "multiprocessing.popen_fork"],
    "asyncio": ["asyncio"],
}

PIECES = 64
TOP = 20
DEADLINE = 20.0
MAX_REPLY = 64 * 1024


# --- word frequencies -------------------------------------------------------------------

def pieces(text: bytes, n: int) -> list[tuple[int, int]]:
    """n byte ranges of text, each ending at a line end (as the Rust side cuts them)."""
    def cut(k):
        at = len(text) * k // n
        if k in (0, n):
            return at
        i = text.find(b"\n", at)
        return len(text) if i < 0 else i + 1

    return [(a, b) for a, b in ((cut(k), cut(k + 1)) for k in range(n)) if a < b]


def top(counts: Counter) -> list:
    ranked = sorted(counts.items(), key=lambda wc: (-wc[1], wc[0]))[:TOP]
    return [[w.decode(), c] for w, c in ranked]


def count_piece_of_file(job):
    """In a worker process: reads only its own range of the corpus and counts it."""
    path, a, b = job
    with open(path, "rb") as f:
        f.seek(a)
        return Counter(f.read(b - a).split())


def words(variant: str, workers: int, path: str):
    with open(path, "rb") as f:
        text = f.read()
    parts = pieces(text, PIECES)
    total = Counter()
    if variant == "sequential":
        for a, b in parts:
            total.update(text[a:b].split())
    elif variant == "threads":
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(workers) as pool:
            for c in pool.map(lambda ab: Counter(text[ab[0]:ab[1]].split()), parts):
                total.update(c)
    else:
        import multiprocessing as mp

        with mp.get_context("fork").Pool(workers) as pool:
            jobs = [(path, a, b) for a, b in parts]
            for c in pool.imap_unordered(count_piece_of_file, jobs):
                total.update(c)
    return top(total)


# --- hashing a file tree ----------------------------------------------------------------

def listing(root: str) -> list[str]:
    names = []
    for d, _, files in os.walk(root):
        rel = os.path.relpath(d, root)
        for f in files:
            names.append(f if rel == "." else f"{rel}/{f}".replace(os.sep, "/"))
    return sorted(names)


def sha256_file(job):
    root, name = job
    with open(os.path.join(root, name), "rb") as f:
        data = f.read()
    return hashlib.sha256(data).hexdigest(), len(data)


def hash_tree(variant: str, workers: int, root: str):
    names = listing(root)
    jobs = [(root, n) for n in names]
    if variant == "sequential":
        digests = [sha256_file(j) for j in jobs]
    elif variant == "threads":
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(workers) as pool:
            digests = list(pool.map(sha256_file, jobs))
    else:
        import multiprocessing as mp

        with mp.get_context("fork").Pool(workers) as pool:
            digests = pool.map(sha256_file, jobs, chunksize=1)
    whole = hashlib.sha256()
    for name, (digest, _) in zip(names, digests):
        whole.update(f"{name} {digest}\n".encode())
    return {"files": len(names), "bytes": sum(n for _, n in digests), "digest": whole.hexdigest()}


# --- scraping a slow local site ---------------------------------------------------------

def request(i: int) -> bytes:
    return f"GET /page/{i} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n".encode()


def links(reply: bytes):
    """The hrefs of a 200 reply's body, or None."""
    head, sep, body = reply.decode(errors="replace").partition("\r\n\r\n")
    if not sep or not head.startswith("HTTP/1.1 200"):
        return None
    return [rest.split('"', 1)[0] for rest in body.split('href="')[1:] if '"' in rest]


def answer(found: list) -> dict:
    fetched = [f for f in found if f is not None]
    every = [link for f in fetched for link in f]
    return {"pages": len(fetched), "links": len(every), "distinct": len(set(every))}


def fetch_blocking(port: int, i: int):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=DEADLINE) as s:
            s.sendall(request(i))
            reply = b""
            while len(reply) < MAX_REPLY and (chunk := s.recv(4096)):
                reply += chunk
        return links(reply[:MAX_REPLY])
    except OSError:
        return None


def scrape_asyncio(port: int, pages: int):
    """Every page at once, on one event loop."""
    import asyncio

    async def get(i):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            writer.write(request(i))
            await writer.drain()
            return links(await reader.read(MAX_REPLY))
        finally:
            writer.close()
            await writer.wait_closed()

    async def fetch(i):
        try:
            return await asyncio.wait_for(get(i), DEADLINE)
        except (OSError, asyncio.TimeoutError):
            return None

    async def fetch_all():
        return await asyncio.gather(*(fetch(i) for i in range(pages)))

    return asyncio.run(fetch_all())


def scrape(variant: str, workers: int, port: int, pages: int):
    if variant == "asyncio":
        found = scrape_asyncio(port, pages)
    else:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(workers) as pool:
            found = list(pool.map(lambda i: fetch_blocking(port, i), range(pages)))
    return answer(found)


def main():
    case, variant, workers, arg = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    for module in NEEDS.get(variant, []):
        importlib.import_module(module)
    start = time.perf_counter()
    if case == "words":
        result = words(variant, workers, arg)
    elif case == "hash":
        result = hash_tree(variant, workers, arg)
    else:
        result = scrape(variant, workers, int(arg), int(sys.argv[5]))
    wall = time.perf_counter() - start
    print(json.dumps({"answer": result, "wall": wall, "peak_kib": peak_kib()}))


if __name__ == "__main__":
    main()
