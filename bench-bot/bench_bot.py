"""bench-bot's twin: a Telegram bot (python-telegram-bot, long polling) that runs the seed's
benchmark on request, one run at a time with the others queued, and uploads the report to
Google Drive. The work runs on a ProcessPoolExecutor (bench_bot_runner.py), so the event
loop answers every chat while a run goes; Drive is plain HTTP (bench_bot_drive.py).

Run with: python3 bench_bot.py --demo (local fakes, offline), or as a real bot:
TELOXIDE_TOKEN=... BENCH_BOT_CHATS=... python3 bench_bot.py (see --help)."""

import argparse
import asyncio
import contextlib
import logging
import os
import re
import sys
import time
from collections import deque

import bench_bot_drive
import bench_bot_runner as runner

ENVIRONMENT = ("The bot token is read from TELOXIDE_TOKEN only (never from an argument); make a bot and get "
               "its token from @BotFather in Telegram. Drive uploads need a service account's JSON key "
               "(GOOGLE_APPLICATION_CREDENTIALS) and a folder shared with its e-mail address "
               "(BENCH_BOT_DRIVE_FOLDER); without them uploads are off.")
HELP = ("/bench [GROUP...] [--quick | --smoke] runs the benchmark (this Python bot measures the cpu group), "
        "/status shows what runs and waits, /cancel stops your run.")


class Bot:
    def __init__(self, app, allowed, drive):
        self.app, self.allowed, self.drive = app, allowed, drive
        self.running = None  # (chat, label, started, cancelled event)
        self.waiting = deque()  # (chat, mode, label)
        self.wake = asyncio.Event()

    async def on_message(self, update, context):
        chat, text = update.effective_chat.id, (update.message.text or "") if update.message else ""
        if chat not in self.allowed:
            reply = f"Sorry, this bot serves only the chats on its list, and chat {chat} is not on it."
        else:
            command, _, rest = text.partition(" ")
            command = command.split("@")[0]
            reply = {"/start": self.start, "/bench": self.bench, "/status": self.status,
                     "/cancel": self.cancel}.get(command, self.other)(chat, rest)
        if reply:
            await context.bot.send_message(chat, reply)

    def start(self, chat, rest):
        drive = ("Its report goes to Google Drive too." if self.drive else
                 "Drive uploads are off (no credentials configured): results come only here.")
        return f"Hello! I run the concurrency benchmark, Rust beside Python, one run at a time. {HELP} {drive}"

    def other(self, chat, rest):
        return f"I know four commands: /start, /bench, /status and /cancel. {HELP}"

    def bench(self, chat, rest):
        words = rest.split()
        for word in words:
            if not (re.fullmatch(r"[a-z][a-z-]*", word) or word in ("--quick", "--smoke")):
                return f"Not run: \"{word}\" is neither a group name nor --quick or --smoke. {HELP}"
        if any(w not in ("cpu", "--quick", "--smoke") for w in words):
            return "Not run: this Python bot measures only the cpu group."
        mode = next((w for w in words if w.startswith("--")), "full")
        label = " ".join(["bench"] + words)
        idle = self.running is None and not self.waiting
        self.waiting.append((chat, mode, label))
        self.wake.set()
        return "" if idle else f"Queued: {label} is number {len(self.waiting)} in the queue; one run goes at a time."

    def status(self, chat, rest):
        if self.running:
            who, label, started, _ = self.running
            running = f"Running: {label} for chat {who}, {int(time.monotonic() - started)} s so far."
        else:
            running = "Nothing runs."
        mine = [i for i, job in enumerate(self.waiting) if job[0] == chat]
        yours = f" Yours is number {mine[0] + 1}." if mine else ""
        return f"{running} Waiting: {len(self.waiting)}.{yours}"

    def cancel(self, chat, rest):
        if self.running and self.running[0] == chat and not self.running[3].is_set():
            self.running[3].set()
            return f"Stopping your run of {self.running[1]}."
        before = len(self.waiting)
        self.waiting = deque(job for job in self.waiting if job[0] != chat)
        removed = before - len(self.waiting)
        return f"Removed your {removed} waiting run(s) from the queue." if removed else "Nothing of yours runs or waits."

    async def work(self):
        """The one worker: only this task runs jobs, so one runs at a time."""
        while True:
            while not self.waiting:
                self.wake.clear()
                await self.wake.wait()
            chat, mode, label = self.waiting.popleft()
            self.running = (chat, label, time.monotonic(), asyncio.Event())
            try:
                await runner.run(self.app.bot, chat, mode, label, self.running[3], self.drive)
            except Exception as e:  # a run that raised must not stop the worker
                print(f"bench-bot: could not answer chat {chat}: {e}", file=sys.stderr)
            self.running = None


def arguments():
    env = os.environ.get
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], epilog=ENVIRONMENT)
    parser.add_argument("--demo", action="store_true", help="play a scripted chat against local fakes of Telegram and Drive")
    parser.add_argument("--chats", default=env("BENCH_BOT_CHATS", ""), help="chat ids it answers [env: BENCH_BOT_CHATS]")
    parser.add_argument("--api-url", default=env("TELOXIDE_API_URL", "https://api.telegram.org/"),
                        help="the Bot API's address [env: TELOXIDE_API_URL]")
    parser.add_argument("--drive-folder", default=env("BENCH_BOT_DRIVE_FOLDER"), help="[env: BENCH_BOT_DRIVE_FOLDER]")
    parser.add_argument("--credentials", default=env("GOOGLE_APPLICATION_CREDENTIALS"),
                        help="service account key file [env: GOOGLE_APPLICATION_CREDENTIALS]")
    parser.add_argument("--drive-url", default=env("BENCH_BOT_DRIVE_URL", "https://www.googleapis.com/"),
                        help="Drive's root URL [env: BENCH_BOT_DRIVE_URL]")
    return parser.parse_args()


def dropped(error):
    print(f"bench-bot: Telegram did not answer ({type(error).__name__}); polling again after a pause", file=sys.stderr)


@contextlib.asynccontextmanager
async def serving(token, api_url, allowed, drive):
    """Polls Telegram and runs the worker until the block ends."""
    from telegram.ext import Application, MessageHandler, filters
    # httpx's own log lines would print request URLs, which hold the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    app = Application.builder().token(token).base_url(api_url.rstrip("/") + "/bot").concurrent_updates(True).build()
    bot = Bot(app, allowed, drive)
    app.add_handler(MessageHandler(filters.ALL, bot.on_message))
    async with app:
        await app.start()
        await app.updater.start_polling(timeout=10, error_callback=dropped)
        worker = asyncio.create_task(bot.work())
        try:
            yield bot
        finally:
            worker.cancel()
            await app.updater.stop()
            await app.stop()


async def main():
    args = arguments()
    if args.demo:
        import bench_bot_demo
        return await bench_bot_demo.demo(serving)
    token = os.environ.get("TELOXIDE_TOKEN")
    if not token:
        sys.exit(f"TELOXIDE_TOKEN is not set. {ENVIRONMENT}")
    allowed = [int(c) for c in args.chats.split(",") if c.strip()]
    if not allowed:
        sys.exit("BENCH_BOT_CHATS is empty: list the chat ids the bot may answer")
    drive, why = None, "off (no credentials or folder configured)"
    if args.credentials and args.drive_folder:
        try:
            drive, why = bench_bot_drive.Drive(args.credentials, args.drive_url, args.drive_folder), ""
        except ImportError:
            why = "off (the cryptography module, which signs the service account's token request, is missing)"
    print(f"bench-bot: answering chats {allowed}; Drive uploads {why or 'into folder ' + args.drive_folder}", flush=True)
    async with serving(token, args.api_url, allowed, drive):
        await asyncio.Event().wait()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        print("bench-bot: Ctrl-C, stopping")
