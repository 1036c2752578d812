"""Uploads files to a Google Drive folder by plain HTTP, signed in as a service account: a
JWT signed with the account's key (the cryptography module) is exchanged at its token_uri
for an access token, then each file goes up as a multipart upload. Blocking urllib calls,
so the bot runs them with asyncio.to_thread."""

import asyncio
import base64
import json
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

SCOPE = "https://www.googleapis.com/auth/drive.file"
TIMEOUT = 30


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=")


class Drive:
    def __init__(self, credentials_file, root_url, folder):
        from cryptography.hazmat.primitives import serialization  # raises ImportError if absent
        with open(credentials_file) as f:
            self.key = json.load(f)
        self.private_key = serialization.load_pem_private_key(self.key["private_key"].encode(), None)
        self.root = root_url.rstrip("/") + "/"
        self.folder = folder
        self.token = None

    def _token(self):
        if self.token:
            return self.token
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding
        now = int(time.time())
        claims = {"iss": self.key["client_email"], "scope": SCOPE, "aud": self.key["token_uri"],
                  "iat": now, "exp": now + 3600}
        signing_input = b64(json.dumps({"alg": "RS256", "typ": "JWT"}).encode()) + b"." + b64(
            json.dumps(claims).encode())
        signature = self.private_key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
        form = urllib.parse.urlencode({"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
                                       "assertion": (signing_input + b"." + b64(signature)).decode()})
        with urllib.request.urlopen(self.key["token_uri"], form.encode(), timeout=TIMEOUT) as r:
            self.token = json.load(r)["access_token"]
        return self.token

    def upload(self, paths):
        """[(name, link)] for each file, in order; raises RuntimeError naming the file and
        Drive's answer at the first failure."""
        uploaded = []
        for path in paths:
            name = path.rsplit("/", 1)[-1]
            try:
                uploaded.append((name, self._upload_one(path, name)))
            except urllib.error.HTTPError as e:
                try:
                    message = json.load(e)["error"]["message"]
                except (ValueError, KeyError, TypeError):
                    message = "no message"
                raise RuntimeError(f"{name}: Drive answered HTTP {e.code}: {message}") from None
            except (OSError, KeyError, ValueError) as e:
                raise RuntimeError(f"{name}: {e}") from None
        return uploaded

    def _upload_one(self, path, name):
        boundary = uuid.uuid4().hex
        metadata = json.dumps({"name": name, "parents": [self.folder]}).encode()
        with open(path, "rb") as f:
            content = f.read()
        body = (f"--{boundary}\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n".encode()
                + metadata + f"\r\n--{boundary}\r\nContent-Type: application/octet-stream\r\n\r\n".encode()
                + content + f"\r\n--{boundary}--".encode())
        url = self.root + "upload/drive/v3/files?uploadType=multipart&fields=id,name,webViewLink"
        request = urllib.request.Request(url, body, method="POST", headers={
            "Authorization": f"Bearer {self._token()}",
            "Content-Type": f"multipart/related; boundary={boundary}"})
        with urllib.request.urlopen(request, timeout=TIMEOUT) as r:
            file = json.load(r)
        return file.get("webViewLink") or f"id {file.get('id')}"


async def answer(drive, files):
    """The bot's one reply about the upload: the links, what failed, or that uploads are off."""
    if drive is None:
        return "Drive uploads are off (no credentials configured), so the report stays here."
    try:
        uploaded = await asyncio.to_thread(drive.upload, files)
    except RuntimeError as e:
        return f"The Drive upload failed ({e}); the results above are complete."
    return "Uploaded to Google Drive:\n" + "\n".join(f"{name}: {link}" for name, link in uploaded)
