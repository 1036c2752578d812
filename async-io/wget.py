"""wget: the headers of several web sites fetched at once, over raw TCP, on one thread.

Mirrors the asyncio wget example of Liao Xuefeng's Python tutorial, chapter 异步IO
(https://www.liaoxuefeng.com/wiki/1016959663602400/1017628290184064), with today's
asyncio streams. The Rust twin is src/bin/wget.rs.

With no arguments the hosts are three small web servers this script starts on 127.0.0.1,
each answering after its own delay, so it works offline and the overlap shows. Real hosts
can be given instead: HOST, HOST:PORT or [IPv6]:PORT (port 80 when none is given).

Run with: python3 async-io/wget.py   (or: python3 async-io/wget.py example.com)
"""

import argparse
import asyncio
import sys
import time
from functools import partial

HOST_DELAYS_MS = [300, 100, 200]
WGET_TIMEOUT = 10.0  # A host that never answers must not hang the script.
MAX_HEAD = 64 * 1024  # The most a response head may take.


# ANCHOR: idea
async def wget(host: str) -> None:
    print(f"wget {host}...")
    name, port = name_and_port(host)
    # limit: a line longer than MAX_HEAD makes readline() raise instead of buffering on.
    reader, writer = await asyncio.open_connection(name, port, limit=MAX_HEAD)
    try:
        writer.write(f"GET / HTTP/1.0\r\nHost: {host}\r\n\r\n".encode())
        await writer.drain()
        for header in await read_head(reader):
            print(f"{host} header > {header}")
        print(f"Done {host}.")
    finally:
        writer.close()


async def read_head(reader: asyncio.StreamReader) -> list[str]:
    """The lines of an HTTP head, up to the empty line; a cut-off or huge head is an error."""
    lines: list[str] = []
    size = 0
    while True:
        line = await reader.readline()
        size += len(line)
        if size > MAX_HEAD:
            raise ValueError(f"no end of the headers in the first {MAX_HEAD} bytes")
        if not line.endswith(b"\n"):
            raise ConnectionError("the connection closed before the end of the headers")
        text = line.decode().rstrip()
        if not text:
            return lines
        lines.append(text)
# ANCHOR_END: idea


def name_and_port(host: str) -> tuple[str, int]:
    """name, name:port or [IPv6]:port; port 80 when none is given."""
    if host.startswith("["):
        name, bracket, rest = host[1:].partition("]")
        if not bracket:
            raise ValueError("no ] after [")
    else:
        name, colon, port = host.partition(":")
        rest = colon + port
    if not rest:
        return name, 80
    if not rest.startswith(":"):
        raise ValueError(f"after the name only :PORT may follow, not {rest}")
    return name, int(rest[1:])


async def fetch(host: str) -> bool:
    try:
        async with asyncio.timeout(WGET_TIMEOUT):
            await wget(host)
        return True
    except TimeoutError:
        print(f"error: wget {host}: no answer within {WGET_TIMEOUT:.0f} s", file=sys.stderr)
    except (OSError, ValueError, UnicodeDecodeError) as e:
        print(f"error: wget {host}: {e}", file=sys.stderr)
    return False


async def answer(delay: float, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """A slow web site: reads the request head, waits, then sends the same page to all."""
    try:
        async with asyncio.timeout(WGET_TIMEOUT):
            await read_head(reader)
            await asyncio.sleep(delay)
            body = "<h1>Hello from 127.0.0.1</h1>\n"
            writer.write(
                "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
                f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n{body}".encode()
            )
            await writer.drain()
    except (OSError, ValueError, TimeoutError):
        pass  # A client that misbehaves ends only its own connection.
    finally:
        writer.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("hosts", nargs="*", help="HOST, HOST:PORT or [IPv6]:PORT")
    hosts: list[str] = parser.parse_args().hosts
    servers = []
    if not hosts:
        for delay_ms in HOST_DELAYS_MS:
            # Port 0: the OS picks a free port, so this never clashes with anything.
            server = await asyncio.start_server(partial(answer, delay_ms / 1000), "127.0.0.1", 0)
            servers.append(server)
            hosts.append("127.0.0.1:%d" % server.sockets[0].getsockname()[1])
        print(
            f"local hosts answer after {HOST_DELAYS_MS} ms: "
            f"{sum(HOST_DELAYS_MS)} ms one after another"
        )
    start = time.perf_counter()
    results = await asyncio.gather(*(fetch(host) for host in hosts))
    took = time.perf_counter() - start
    answered = sum(results)
    print(f"wget: {answered} of {len(hosts)} hosts answered in {took:.2f} s")
    for server in servers:
        server.close()
    if answered < len(hosts):
        sys.exit(f"{len(hosts) - answered} of {len(hosts)} hosts did not answer")


if __name__ == "__main__":
    asyncio.run(main())
