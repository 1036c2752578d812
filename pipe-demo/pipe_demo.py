"""Pipes between two processes: a conversation over two pipes, a payload bigger than the
pipe buffer passed without deadlock, and why end-of-file needs every write end closed.

Mirrors Liao Xuefeng's Python tutorial, 进程和线程 (processes and threads), 多进程
(multiprocessing), 进程间通信 (inter-process communication), which names Pipes beside Queues.
https://www.liaoxuefeng.com/wiki/1016959663602400/1017628290184064

The Rust twin is src/main.rs; like it, this runs itself again as the child, with the two
pipes as the child's stdin and stdout. (multiprocessing.Pipe() is one duplex pipe between
Python processes; two os.pipe()s show the same ideas with nothing hidden.)

Run with: python3 pipe-demo/pipe_demo.py
"""

import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from typing import BinaryIO

ROUNDS = 3
PAYLOAD = 1 << 20  # 1 MiB: 16 times the 64 KiB a Linux pipe buffers by default


# ANCHOR: idea
def main() -> None:
    child_reader, writer = os.pipe()  # parent -> child
    reader, child_writer = os.pipe()  # child -> parent
    child = subprocess.Popen(
        [sys.executable, __file__, "child"], stdin=child_reader, stdout=child_writer
    )
    # The child has its own copies now. Had we kept our copy of its write end, our reads
    # below would never see end-of-file.
    os.close(child_reader)
    os.close(child_writer)
    print(f"Parent process {os.getpid()} talks to child process {child.pid} over two pipes.")
    # The with block closes our two ends however talk() ends, so the child then sees
    # end-of-file (or a broken pipe) and exits: this wait cannot hang.
    with open(writer, "wb") as to_child, open(reader, "rb") as from_child:
        sent, got = talk(to_child, from_child)
    status = child.wait()
    print(f"child process {child.pid} exited: exit status: {status}")
    print(f"bytes passed: {sent} parent -> child, {got} child -> parent")
    eof_needs_every_write_end()


def talk(to_child: BinaryIO, from_child: BinaryIO) -> tuple[int, int]:
    """The conversation; returns the bytes sent and received."""
    sent = got = 0
    for i in range(1, ROUNDS + 1):
        start, request = time.perf_counter(), f"ping {i}\n".encode()
        to_child.write(request)
        to_child.flush()  # a buffered file: send it now
        sent += len(request)
        reply = from_child.readline()
        if not reply:
            raise SystemExit("the child closed its end without replying")
        got += len(reply)
        took = round((time.perf_counter() - start) * 1e6)
        print(
            f"round {i}: parent -> child: {request.decode().rstrip()} | "
            f"child -> parent: {reply.decode().rstrip()} (round trip {took} µs)"
        )

    # The naive order, write all 1 MiB and only then read the echo, deadlocks: the child
    # echoes as it reads, so once the reply pipe is full it stops reading, the request pipe
    # fills, and both wait for ever. So a second thread writes while this one reads.
    # 0, 1, ..., 250, 0, 1, ...: the period 251 is prime, so a block the pipe had moved by
    # some power of two would not match.
    payload = bytes(i % 251 for i in range(PAYLOAD))
    header = f"echo {PAYLOAD}\n".encode()
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=1) as pool:
        sending = pool.submit(send, to_child, header + payload)
        echo = from_child.read(PAYLOAD)  # all of it, or less if the child died
        sending.result()  # raises what the sending thread raised
    if echo != payload:
        raise SystemExit("the payload came back changed")
    sent += len(header) + PAYLOAD
    got += PAYLOAD
    took = round((time.perf_counter() - start) * 1e6)
    print(f"payload: sent {PAYLOAD} bytes, got {len(echo)} bytes back, identical, in {took} µs")

    # End-of-file comes once every write end is closed. Ours is the only one left: os.pipe()
    # makes non-inheritable descriptors, so the child did not get a copy of it.
    to_child.close()
    bye = from_child.read()  # ends when the child has exited
    got += len(bye)
    print(f"parent closed its write end; child -> parent: {bye.decode().rstrip()}")
    return sent, got
# ANCHOR_END: idea


def send(to_child: BinaryIO, data: bytes) -> None:
    to_child.write(data)
    to_child.flush()


def child() -> None:
    """Requests arrive on stdin, replies leave on stdout, one line each."""
    requests, replies = sys.stdin.buffer, sys.stdout.buffer
    count = 0
    while line := requests.readline():  # b"" only at end-of-file
        count += 1
        verb, _, argument = line.decode().rstrip("\n").partition(" ")
        if verb == "ping":
            replies.write(f"pong {argument} from {os.getpid()}\n".encode())
        elif verb == "echo":
            left = int(argument)
            while left:  # echo while reading, like cat: never the whole payload at once
                chunk = requests.read1(min(left, 1 << 16))
                if not chunk:
                    raise EOFError("the payload ended early")
                replies.write(chunk)
                left -= len(chunk)
        else:
            replies.write(f"unknown request {line!r}\n".encode())
        replies.flush()  # the parent is waiting for this reply
    replies.write(f"bye: end-of-file after {count} requests\n".encode())


def eof_needs_every_write_end() -> None:
    """The same rule inside one process: a copy of the write end keeps the pipe open."""
    reader, first = os.pipe()
    second = os.dup(first)
    with ThreadPoolExecutor(max_workers=1) as pool:
        everything = pool.submit(read_to_end, reader)
        os.close(first)
        try:  # not a race: with `second` open, end-of-file cannot come
            everything.result(timeout=0.2)
            raise SystemExit("end-of-file came with a write end still open")
        except TimeoutError:
            print("one pipe, two write ends: after dropping one, the reader is still waiting")
        os.write(second, b"last words")
        os.close(second)
        n = len(everything.result())
    print(f"dropped the last write end: the reader got end-of-file after {n} bytes")


def read_to_end(reader: int) -> bytes:
    with open(reader, "rb") as pipe:
        return pipe.read()  # returns at end-of-file only


if __name__ == "__main__":
    if sys.argv[1:] == ["child"]:  # the role the parent starts us in
        child()
    else:
        main()
