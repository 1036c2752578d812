"""--demo: the bot against local fakes of Telegram and Drive, driven by a scripted chat: Ann
starts a smoke run, Bob asks for the status while it runs, Eve (not on the list) is refused.
Then the chat is printed as its users saw it, and the files Drive received."""

import asyncio
import os
import tempfile

import bench_bot_drive
import bench_bot_fakes as fakes

DEADLINE = 180  # seconds: the whole demo ends by then, whatever happens
ANN, BOB, EVE = 1001, 1002, 666
NAMES = {ANN: "Ann", BOB: "Bob", EVE: "Eve"}
FOLDER = "bench-reports"


async def wait(telegram, n, matching):
    """Until at least n of the chat's events match."""
    while sum(1 for e in list(telegram.events) if matching(e)) < n:
        await asyncio.sleep(0.05)


def sent_to(chat):
    return lambda e: e[0] == "sent" and e[1] == chat


async def play(telegram, serving, drive):
    async with serving("123456:demo-token", telegram.url, [ANN, BOB], drive):
        telegram.say(ANN, "Ann", "/start")
        await wait(telegram, 1, sent_to(ANN))
        telegram.say(ANN, "Ann", "/bench cpu --smoke")
        await wait(telegram, 2, sent_to(ANN))
        telegram.say(BOB, "Bob", "/status")
        await wait(telegram, 1, sent_to(BOB))
        telegram.say(EVE, "Eve", "/bench")
        await wait(telegram, 1, sent_to(EVE))
        # The run's last message is the Drive answer.
        await wait(telegram, 1, lambda e: e[0] == "sent" and "Drive:" in e[3])


async def demo(serving):
    telegram, fake_drive = fakes.FakeTelegram(), fakes.FakeDrive()
    with tempfile.TemporaryDirectory() as tmp:
        key = os.path.join(tmp, "service-account.json")
        with open(key, "w") as f:
            f.write(fake_drive.credentials())
        drive = bench_bot_drive.Drive(key, fake_drive.url, FOLDER)
        try:
            await asyncio.wait_for(play(telegram, serving, drive), DEADLINE)
        except TimeoutError:
            raise SystemExit(f"the demo did not finish within {DEADLINE} s") from None
        finally:
            for kind, chat, name, text in telegram.events:
                if kind == "said":
                    print(f"{name}: {text}")
                elif kind == "sent":
                    print(f"bot to {NAMES.get(chat, 'someone')}: {text}")
                else:
                    print(f"bot to {NAMES.get(chat, 'someone')} (edits its message): {text}")
            for name, size, folder, link in fake_drive.files:
                print(f"Drive received: {name} ({size} bytes) in folder {folder}: {link}")
