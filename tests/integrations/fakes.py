"""Local fakes on loopback of what the product sends to outside: a DingTalk group robot, a WeCom group robot and a
webhook subscriber. Each checks what its provider documents and answers as it does; each keeps what it accepted.

- DingTalk (custom robot, "加签"): POST ``/robot/send?access_token=…&timestamp=…&sign=…``; ``sign`` is
  base64(HMAC-SHA256(key=secret, "timestamp\\nsecret")), URL-encoded; a timestamp more than an hour from the
  robot's clock is refused; body ``{"msgtype": "markdown", "markdown": {"title", "text"}}``; answers
  ``{"errcode": 0, "errmsg": "ok"}``, or 310000 for a bad signature or timestamp, 300001 for a wrong token.
- WeCom group robot: POST ``/cgi-bin/webhook/send?key=…``, body ``{"msgtype": "markdown", "markdown":
  {"content"}}``; 93000 for a wrong key.
- A webhook subscriber that verifies each delivery with ``standardwebhooks``' own ``Webhook.verify``.

Try the DingTalk fake with ``make run``: ``.venv/bin/python -m tests.integrations.fakes --port 9100`` prints the
robot's address and secret to set in the admin (Work chat robots), then every alert it receives.
"""

import base64
import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

HOUR_MS = 3600 * 1000


@dataclass
class Fake:
    """A fake server on 127.0.0.1; ``received`` what it accepted, ``refused`` why it refused what it did."""

    received: list = field(default_factory=list)
    refused: list = field(default_factory=list)
    requests: int = 0
    answer_status: int | None = None  # force an HTTP status (a failing endpoint, a redirect)
    headers_extra: dict = field(default_factory=dict)
    server: ThreadingHTTPServer | None = None

    def handle(self, path: str, query: dict[str, str], headers: dict[str, str], body: bytes) -> tuple[int, dict]:
        raise NotImplementedError

    def start(self, port: int = 0) -> "Fake":
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                fake.requests += 1
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                parts = urlsplit(self.path)
                query = {key: values[0] for key, values in parse_qs(parts.query).items()}
                status, answer = fake.handle(parts.path, query, dict(self.headers.items()), body)
                if fake.answer_status is not None:
                    status = fake.answer_status
                raw = json.dumps(answer).encode()
                self.send_response(status)
                for name, value in fake.headers_extra.items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@dataclass
class FakeDingTalk(Fake):
    token: str = "dingtalk-token"
    secret: str = "SECfake0123456789abcdef"

    @property
    def url(self) -> str:
        return f"{self.base}/robot/send?access_token={self.token}"

    def handle(self, path, query, headers, body):
        if path != "/robot/send" or query.get("access_token") != self.token:
            return self._refuse(300001, "token is not exist")
        timestamp = query.get("timestamp", "")
        if not timestamp.isdigit() or abs(time.time() * 1000 - int(timestamp)) > HOUR_MS:
            return self._refuse(310000, "invalid timestamp")
        expected = base64.b64encode(
            hmac.new(self.secret.encode(), f"{timestamp}\n{self.secret}".encode(), hashlib.sha256).digest()
        ).decode()
        # parse_qs has URL-decoded the sign, as DingTalk does before comparing.
        if not hmac.compare_digest(query.get("sign", ""), expected):
            return self._refuse(310000, "sign not match")
        message = json.loads(body)
        markdown = message.get("markdown") or {}
        if message.get("msgtype") != "markdown" or not markdown.get("title") or not markdown.get("text"):
            return self._refuse(40035, "missing markdown title or text")
        self.received.append(message)
        return 200, {"errcode": 0, "errmsg": "ok"}

    def _refuse(self, code: int, why: str):
        self.refused.append(why)
        return 200, {"errcode": code, "errmsg": why}


@dataclass
class FakeWeCom(Fake):
    key: str = "wecom-key-693a91f6"

    @property
    def url(self) -> str:
        return f"{self.base}/cgi-bin/webhook/send?key={self.key}"

    def handle(self, path, query, headers, body):
        if path != "/cgi-bin/webhook/send" or query.get("key") != self.key:
            self.refused.append("invalid webhook url")
            return 200, {"errcode": 93000, "errmsg": "invalid webhook url"}
        message = json.loads(body)
        if message.get("msgtype") != "markdown" or not (message.get("markdown") or {}).get("content"):
            self.refused.append("missing markdown content")
            return 200, {"errcode": 40008, "errmsg": "invalid message type"}
        self.received.append(message)
        return 200, {"errcode": 0, "errmsg": "ok"}


@dataclass
class FakeSubscriber(Fake):
    secret: str = ""

    @property
    def url(self) -> str:
        return f"{self.base}/hooks/service-recovery"

    def handle(self, path, query, headers, body):
        try:
            payload = Webhook(self.secret).verify(body, headers)
        except WebhookVerificationError as error:
            self.refused.append(str(error))
            return 400, {"error": str(error)}
        self.received.append({"id": headers.get("webhook-id") or headers.get("Webhook-Id"), "payload": payload})
        return 204 if self.answer_status is None else self.answer_status, {}


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="A fake DingTalk group robot on loopback, printing what it gets.")
    parser.add_argument("--port", type=int, default=9100)
    arguments = parser.parse_args()

    class Printing(FakeDingTalk):
        def handle(self, *args):
            status, answer = super().handle(*args)
            print(self.received[-1]["markdown"]["text"] if answer["errcode"] == 0 else answer, "\n", flush=True)
            return status, answer

    robot = Printing().start(arguments.port)
    print(f"Fake DingTalk robot: address {robot.url}\nsigning secret {robot.secret}\n(allow a private address)")
    threading.Event().wait()
