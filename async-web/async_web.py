"""An aiohttp web app: /hello/{name} waits 0.5 s, yet many requests overlap.

Mirrors the aiohttp section of Liao Xuefeng's Python tutorial, chapter 异步IO
(https://www.liaoxuefeng.com/wiki/1016959663602400/1017628290184064), with aiohttp's
current web.Application API. The Rust twin is src/main.rs (axum on tokio).

/ gives <h1>Index</h1>; /hello/{name} gives <h1>hello, {name}!</h1> after an async sleep,
with the name HTML-escaped. On Ctrl-C open connections get 3 s, then the server stops.

Run with: python3 async-web/async_web.py   (then open http://127.0.0.1:8000/hello/Bob)
--port 0 picks any free port; --demo serves on a free port, sends itself 50 requests at
once, reports how long they took and exits. Needs aiohttp (pip install aiohttp).
"""

import argparse
import asyncio
import html
import time

from aiohttp import ClientSession, web

HELLO_DELAY = 0.5
SHUTDOWN_GRACE = 3.0
DEMO_REQUESTS = 50


# ANCHOR: idea
async def index(request: web.Request) -> web.Response:
    return web.Response(text="<h1>Index</h1>", content_type="text/html")


async def hello(request: web.Request) -> web.Response:
    # An async sleep gives the event loop back; time.sleep here would stall every request.
    await asyncio.sleep(HELLO_DELAY)
    name = html.escape(request.match_info["name"])
    return web.Response(text=f"<h1>hello, {name}!</h1>", content_type="text/html")


def make_app() -> web.Application:
    app = web.Application()
    app.add_routes([web.get("/", index), web.get("/hello/{name}", hello)])
    return app
# ANCHOR_END: idea


async def fire_requests(port: int) -> None:
    """--demo: 50 requests at once, each answered after HELLO_DELAY."""
    start = time.perf_counter()

    async def get(session: ClientSession, name: str) -> None:
        async with session.get(f"http://127.0.0.1:{port}/hello/{name}") as response:
            page = await response.text()
            if response.status != 200 or page != f"<h1>hello, {name}!</h1>":
                raise RuntimeError(f"GET /hello/{name}: unexpected answer: {page}")

    async with ClientSession() as session:
        await asyncio.gather(*(get(session, f"user{i}") for i in range(DEMO_REQUESTS)))
    took = time.perf_counter() - start
    in_a_row = HELLO_DELAY * DEMO_REQUESTS
    print(
        f"{DEMO_REQUESTS} requests to /hello/... answered in {took:.2f} s; "
        f"each waits {HELLO_DELAY:.2f} s, so {in_a_row:.1f} s one after another"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8000, help="port on 127.0.0.1 (0: any)")
    parser.add_argument("--demo", action="store_true", help="serve, send 50 requests, stop")
    args = parser.parse_args()
    runner = web.AppRunner(make_app(), shutdown_timeout=SHUTDOWN_GRACE)
    await runner.setup()
    try:
        await web.TCPSite(runner, "127.0.0.1", 0 if args.demo else args.port).start()
        host, port = runner.addresses[0][:2]
        print(f"Server started at http://{host}:{port}...", flush=True)
        if args.demo:
            await asyncio.wait_for(fire_requests(port), timeout=30)
        else:
            await asyncio.Event().wait()  # Serve until Ctrl-C cancels this task.
    finally:
        await runner.cleanup()  # Stops accepting, lets open requests finish, for a while.
        print("Server stopped.")


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass  # Ctrl-C: main() has already stopped the server and said so.
