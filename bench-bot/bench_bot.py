"""bench-bot's twin: a Telegram bot (python-telegram-bot, long polling) that runs the seed's
benchmark on request, one run at a time with the others queued, and uploads the report to
Google Drive. The work runs on a ProcessPoolExecutor (bench_bot_runner.py), so the event
loop answers every chat while a run goes; Drive is plain HTTP (bench_bot_drive.py).

Run with: TELOXIDE_TOKEN=... BENCH_BOT_CHATS=... python3 bench_bot.py (see --help)."""

import argparse
import asyncio
import logging
import os
import re
import shutil
import sys
import tempfile
import time
from collections import deque

import bench_bot_runner as runner

ENVIRONMENT = ("The bot token is read from TELOXIDE_TOKEN only (never from an argument); make a bot and get "
               "its token from @BotFather in Telegram. Drive uploads need a service account's JSON key "
               "(GOOGLE_APPLICATION_CREDENTIALS) and a folder shared with its e-mail address "
               "(BENCH_BOT_DRIVE_FOLDER); without them uploads are off.")
HELP = ("/bench [GROUP...] [--quick | --smoke] runs the benchmark (this Python bot measures the cpu group), "
        "/status shows what runs and waits, /cancel stops your run.")
EDIT_EVERY = 2.0


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
                await self.run(chat, mode, label, self.running[3])
            except Exception as e:  # a run that raised must not stop the worker
                print(f"bench-bot: could not answer chat {chat}: {e}", file=sys.stderr)
            self.running = None

    async def run(self, chat, mode, label, cancelled):
        bot = self.app.bot
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
            rows = await runner.measure(mode, lambda line: last.__setitem__(0, line), cancelled)
        finally:
            ticker.cancel()
        if rows is None:
            await bot.edit_message_text(f"{label}: cancelled; its processes were killed.", chat, message.message_id)
            return
        out = tempfile.mkdtemp(prefix="bench-bot-")
        try:
            table, files = runner.write_report(rows, out)
            await bot.edit_message_text(f"{label}: done in {time.monotonic() - started:.1f} s", chat, message.message_id)
            await bot.send_message(chat, table)
            if self.drive is None:
                reply = "Drive uploads are off (no credentials configured), so the report stays here."
            else:
                try:
                    uploaded = await asyncio.to_thread(self.drive.upload, files)
                    reply = "Uploaded to Google Drive:\n" + "\n".join(f"{n}: {link}" for n, link in uploaded)
                except RuntimeError as e:
                    reply = f"The Drive upload failed ({e}); the results above are complete."
            await bot.send_message(chat, reply)
        finally:
            shutil.rmtree(out, ignore_errors=True)


def arguments():
    env = os.environ.get
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], epilog=ENVIRONMENT)
    parser.add_argument("--chats", default=env("BENCH_BOT_CHATS", ""), help="chat ids it answers [env: BENCH_BOT_CHATS]")
    parser.add_argument("--api-url", default=env("TELOXIDE_API_URL", "https://api.telegram.org/"),
                        help="the Bot API's address [env: TELOXIDE_API_URL]")
    parser.add_argument("--drive-folder", default=env("BENCH_BOT_DRIVE_FOLDER"), help="[env: BENCH_BOT_DRIVE_FOLDER]")
    parser.add_argument("--credentials", default=env("GOOGLE_APPLICATION_CREDENTIALS"),
                        help="service account key file [env: GOOGLE_APPLICATION_CREDENTIALS]")
    parser.add_argument("--drive-url", default=env("BENCH_BOT_DRIVE_URL", "https://www.googleapis.com/"),
                        help="Drive's root URL [env: BENCH_BOT_DRIVE_URL]")
    return parser.parse_args()


async def main():
    args = arguments()
    token = os.environ.get("TELOXIDE_TOKEN")
    if not token:
        sys.exit(f"TELOXIDE_TOKEN is not set. {ENVIRONMENT}")
    allowed = [int(c) for c in args.chats.split(",") if c.strip()]
    if not allowed:
        sys.exit("BENCH_BOT_CHATS is empty: list the chat ids the bot may answer")
    drive, why = None, "off (no credentials or folder configured)"
    if args.credentials and args.drive_folder:
        try:
            import bench_bot_drive
            drive, why = bench_bot_drive.Drive(args.credentials, args.drive_url, args.drive_folder), ""
        except ImportError:
            why = "off (the cryptography module, which signs the service account's token request, is missing)"
    print(f"bench-bot: answering chats {allowed}; Drive uploads {why or 'into folder ' + args.drive_folder}", flush=True)
    from telegram.ext import Application, MessageHandler, filters
    # Its own log lines would print request URLs, which hold the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    app = Application.builder().token(token).base_url(args.api_url.rstrip("/") + "/bot").concurrent_updates(True).build()
    bot = Bot(app, allowed, drive)
    app.add_handler(MessageHandler(filters.ALL, bot.on_message))

    def dropped(error):
        print(f"bench-bot: Telegram did not answer ({type(error).__name__}); polling again after a pause", file=sys.stderr)

    async with app:
        await app.start()
        await app.updater.start_polling(timeout=10, error_callback=dropped)
        await bot.work()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        print("bench-bot: Ctrl-C, stopping")
