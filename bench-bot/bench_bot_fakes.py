"""Local fakes of the Telegram Bot API and of Google Drive (token endpoint and multipart
upload) on 127.0.0.1, for bench_bot.py's --demo: the same methods and answers as the Rust
program's fakes (src/fakes/), each server on a thread of its own."""

import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

KEY = Path(__file__).with_name("src") / "fakes" / "throwaway_key.pem"  # made for the fakes only
TOKEN = "fake-access-token"


def serve(handler_class):
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler_class)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def reply(handler, status, body):
    data = json.dumps(body).encode()
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(data)))
    handler.end_headers()
    handler.wfile.write(data)


class FakeTelegram:
    def __init__(self):
        self.updates, self.events, self.next_update, self.next_message = [], [], 0, 0
        self.changed = threading.Condition()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                try:
                    fields = json.loads(body)
                except ValueError:
                    fields = dict(urllib.parse.parse_qsl(body.decode()))
                method = self.path.rsplit("/", 1)[-1].lower()
                status, result = fake.answer(method, fields)
                reply(self, status, {"ok": status == 200, "result": result} if status == 200 else
                      {"ok": False, "error_code": status, "description": "Not Found: method not found"})

        self.server = serve(Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/"

    def say(self, chat, name, text):
        with self.changed:
            self.next_update += 1
            self.next_message += 1
            person = {"id": chat, "is_bot": False, "first_name": name}
            self.updates.append({"update_id": self.next_update, "message": {
                "message_id": self.next_message, "date": 0, "from": person, "text": text,
                "chat": {"id": chat, "type": "private", "first_name": name}}})
            self.events.append(("said", chat, name, text))
            self.changed.notify_all()

    def answer(self, method, fields):
        chat, text = int(fields.get("chat_id", 0)), fields.get("text", "")
        message = {"date": 0, "chat": {"id": chat, "type": "private", "first_name": "user"},
                   "from": {"id": 1, "is_bot": True, "first_name": "bench-bot"}, "text": text}
        with self.changed:
            if method == "getme":
                return 200, {"id": 1, "is_bot": True, "first_name": "bench-bot", "username": "bench_bot"}
            if method == "deletewebhook":
                return 200, True
            if method == "getupdates":
                offset, deadline = int(fields.get("offset", 0)), time.monotonic() + min(float(fields.get("timeout", 0)), 5)
                while True:
                    self.updates = [u for u in self.updates if u["update_id"] >= offset]
                    if self.updates or time.monotonic() >= deadline:
                        return 200, self.updates
                    self.changed.wait(deadline - time.monotonic())
            if method == "sendmessage":
                self.next_message += 1
                self.events.append(("sent", chat, "", text))
                return 200, dict(message, message_id=self.next_message)
            if method == "editmessagetext":
                self.events.append(("edited", chat, "", text))
                return 200, dict(message, message_id=int(fields.get("message_id", 0)))
        return 404, None


class FakeDrive:
    def __init__(self):
        self.files = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if self.path == "/token":
                    if b"grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer" not in body:
                        return reply(self, 400, {"error": "unsupported grant"})
                    return reply(self, 200, {"access_token": TOKEN, "expires_in": 3600, "token_type": "Bearer"})
                if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                    return reply(self, 401, {"error": {"code": 401, "message": "Request is missing the access token it was issued."}})
                boundary = self.headers.get("Content-Type", "").split("boundary=")[-1].strip('"')
                parts = body.split(f"--{boundary}".encode())[1:3]
                metadata, content = (p.split(b"\r\n\r\n", 1)[1].removesuffix(b"\r\n") for p in parts)
                metadata = json.loads(metadata)
                link = f"{fake.url}file/{len(fake.files) + 1}/view"
                fake.files.append((metadata["name"], len(content), metadata["parents"][0], link))
                reply(self, 200, {"kind": "drive#file", "id": str(len(fake.files)),
                                  "name": metadata["name"], "webViewLink": link})

        self.server = serve(Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/"

    def credentials(self):
        return json.dumps({"type": "service_account", "project_id": "demo", "private_key_id": "demo",
                           "private_key": KEY.read_text(), "client_email": "bench-bot@demo.iam.gserviceaccount.com",
                           "token_uri": f"{self.url}token"})
