"""N concurrent waits or HTTP requests, run once in a process of its own so its peak memory
is its own.

Usage: io.py asyncio|threads N DELAY_MS          N waits of DELAY_MS at once
       io.py http-asyncio|http-threads N PORT    N requests at once to 127.0.0.1:PORT
Prints {"answer": waits or requests completed, "wall": seconds, "peak_kib": peak resident
memory in KiB}.
"""
import asyncio
import json
import resource
import socket
import sys
import threading
import time


async def wait_all(n, delay):
    start = time.perf_counter()
    done = await asyncio.gather(*(asyncio.sleep(delay, result=1) for _ in range(n)))
    return sum(done), time.perf_counter() - start


def in_threads(n, one):
    """Runs one() in n threads at once; returns (how many returned True, seconds)."""
    done = []  # list.append is atomic in CPython

    def record():
        if one():
            done.append(1)

    start = time.perf_counter()
    pool = [threading.Thread(target=record) for _ in range(n)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return len(done), time.perf_counter() - start


def threads(n, delay):
    def one():
        time.sleep(delay)
        return True

    return in_threads(n, one)


REQUEST = b"GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n"


async def http_asyncio(n, port):
    async def one():
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(REQUEST)
        await writer.drain()
        reply = await reader.read()  # HTTP/1.0: the server closes when done
        writer.close()
        await writer.wait_closed()
        return int(reply.startswith(b"HTTP/1.1 200"))

    start = time.perf_counter()
    done = await asyncio.gather(*(one() for _ in range(n)), return_exceptions=True)
    return sum(d for d in done if d == 1), time.perf_counter() - start


def http_threads(n, port):
    def one():
        try:
            with socket.create_connection(("127.0.0.1", port)) as s:
                s.sendall(REQUEST)
                reply = b""
                while chunk := s.recv(4096):
                    reply += chunk
            return reply.startswith(b"HTTP/1.1 200")
        except OSError:
            return False

    return in_threads(n, one)


def peak_kib():
    """The peak resident memory of this process, in KiB.

    On Linux, VmHWM belongs to the memory map made by exec; ru_maxrss would also count the
    parent's memory, which Linux carries across exec when the parent started us vfork-style.
    """
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak // 1024 if sys.platform == "darwin" else peak  # macOS reports bytes


def main():
    variant, n, arg = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    if variant == "asyncio":
        answer, wall = asyncio.run(wait_all(n, arg / 1000.0))
    elif variant == "threads":
        answer, wall = threads(n, arg / 1000.0)
    elif variant == "http-asyncio":
        answer, wall = asyncio.run(http_asyncio(n, arg))
    else:
        answer, wall = http_threads(n, arg)
    print(json.dumps({"answer": answer, "wall": wall, "peak_kib": peak_kib()}))


if __name__ == "__main__":
    main()
