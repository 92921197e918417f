"""Local fake SMS providers on loopback, for the providers' real SDKs: each checks a request's signature and
fields as its provider documents them, answers as the provider does, and counts what it accepted.

- Alibaba Cloud SMS, ``SendSms`` (2017-05-25, RPC style), signed ACS3-HMAC-SHA256: the canonical request
  (method, path, sorted and percent-encoded query, the signed headers, the body's SHA-256 as
  ``x-acs-content-sha256``), its SHA-256 signed with HMAC-SHA256 by the AccessKey secret.
- Tencent Cloud SMS, ``SendSms`` (2021-01-11), signed TC3-HMAC-SHA256: the canonical request (method, path,
  query, the signed headers, the body's SHA-256), signed with a key derived from the SecretKey by the date, the
  service and ``tc3_request``.
"""

import hashlib
import hmac
import json
import socket
import threading
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, quote, urlsplit

ALIYUN_KEY_ID, ALIYUN_SECRET = "LTAI-test-key-id", "aliyun-test-secret"
TENCENT_ID, TENCENT_KEY, TENCENT_APP = "AKID-test-secret-id", "tencent-test-secret-key", "1400000001"


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


class FakeProvider:
    """A provider on 127.0.0.1 (``port``): ``accepted`` holds each message it accepted (its fields), ``answer``
    may replace the next answers (a throttled number), ``on_request`` is called after handling a request and
    before answering it (a test kills its worker there)."""

    content_type = "application/json;charset=utf-8"

    def __init__(self, port: int = 0) -> None:
        self.accepted: list[dict] = []
        self.refused: list[tuple[str, str]] = []  # (code, why) of requests refused for their signature or shape
        self.answer: Callable[[dict], tuple[int, dict] | None] | None = None
        # Called once a request was handled, before the answer: False drops the connection without answering.
        self.on_request: Callable[[int], bool] | None = None
        self.lock = threading.Lock()
        self.requests = 0
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self):
                super().setup()
                # The answer goes in two writes (headers, body): without this, the second waits for the client's
                # delayed ACK (40 ms), which no real provider's server makes anyone wait for.
                self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with fake.lock:
                    fake.requests += 1
                    number = fake.requests
                status, answer = fake.handle(self.command, self.path, self.headers, body)
                if fake.on_request is not None and fake.on_request(number) is False:
                    self.close_connection = True  # handled (accepted), but the caller never hears so
                    return
                data = json.dumps(answer, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", fake.content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                # What it accepted, for a fake in another process (bench/outbox.py).
                counts = fake.out_ids()
                data = json.dumps({"accepted": len(fake.accepted), "unique": len(counts)}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def endpoint(self) -> str:
        return f"127.0.0.1:{self.port}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def out_ids(self) -> Counter:
        return Counter(message["out_id"] for message in self.accepted)

    def handle(self, method: str, path: str, headers, body: bytes) -> tuple[int, dict]:
        raise NotImplementedError


class FakeAliyun(FakeProvider):
    def handle(self, method, path, headers, body):
        request_id = str(uuid.uuid4()).upper()
        problem = self.signature_problem(method, path, headers, body)
        if problem:
            self.refused.append(("SignatureDoesNotMatch", problem))
            return 400, {"RequestId": request_id, "Code": "SignatureDoesNotMatch", "Message": problem}
        query = dict(parse_qsl(urlsplit(path).query, keep_blank_values=True))
        if headers.get("x-acs-action") != "SendSms" or headers.get("x-acs-version") != "2017-05-25":
            return 400, {"RequestId": request_id, "Code": "InvalidAction.NotFound", "Message": "no such action"}
        missing = [name for name in ("PhoneNumbers", "SignName", "TemplateCode") if not query.get(name)]
        if missing:
            self.refused.append(("MissingParameter", ",".join(missing)))
            return 400, {
                "RequestId": request_id,
                "Code": f"Missing{missing[0]}",
                "Message": f"{missing[0]} is mandatory",
            }
        try:
            params = json.loads(query.get("TemplateParam") or "{}")
        except ValueError:
            return 200, {"RequestId": request_id, "Code": "isv.INVALID_JSON_PARAM", "Message": "JSON参数不合法"}
        message = {
            "phone": query["PhoneNumbers"],
            "sign": query["SignName"],
            "template": query["TemplateCode"],
            "params": params,
            "out_id": query.get("OutId", ""),
        }
        if self.answer and (custom := self.answer(message)):
            return custom
        with self.lock:
            self.accepted.append(message)
        return 200, {"RequestId": request_id, "Code": "OK", "Message": "OK", "BizId": f"{len(self.accepted)}^0"}

    @staticmethod
    def signature_problem(method, path, headers, body) -> str:
        authorization = headers.get("Authorization", "")
        algorithm, _, fields = authorization.partition(" ")
        if algorithm != "ACS3-HMAC-SHA256":
            return f"unknown algorithm {algorithm!r}"
        parts = dict(part.split("=", 1) for part in fields.split(",") if "=" in part)
        if parts.get("Credential") != ALIYUN_KEY_ID:
            return "unknown AccessKey"
        signed = parts.get("SignedHeaders", "").split(";")
        for required in ("host", "x-acs-action", "x-acs-content-sha256", "x-acs-date", "x-acs-signature-nonce"):
            if required not in signed:
                return f"{required} is not signed"
        payload_hash = headers.get("x-acs-content-sha256", "")
        if payload_hash != _sha256(body):
            return "x-acs-content-sha256 is not the body's"
        split = urlsplit(path)
        query = sorted(parse_qsl(split.query, keep_blank_values=True))
        canonical_query = "&".join(f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}" for k, v in query)
        canonical_headers = "".join(f"{name}:{(headers.get(name) or '').strip()}\n" for name in signed)
        canonical = "\n".join(
            [method, split.path or "/", canonical_query, canonical_headers, ";".join(signed), payload_hash]
        )
        to_sign = f"ACS3-HMAC-SHA256\n{_sha256(canonical.encode())}"
        expected = hmac.new(ALIYUN_SECRET.encode(), to_sign.encode(), hashlib.sha256).hexdigest()
        return "" if hmac.compare_digest(expected, parts.get("Signature", "")) else "signature differs"


class FakeTencent(FakeProvider):
    content_type = "application/json"  # as Tencent answers (its SDK reads errors only from that type)

    def handle(self, method, path, headers, body):
        request_id = str(uuid.uuid4())
        problem = self.signature_problem(method, path, headers, body)
        if problem:
            self.refused.append(("AuthFailure.SignatureFailure", problem))
            error = {"Code": "AuthFailure.SignatureFailure", "Message": problem}
            return 200, {"Response": {"Error": error, "RequestId": request_id}}
        if headers.get("X-TC-Action") != "SendSms" or headers.get("X-TC-Version") != "2021-01-11":
            error = {"Code": "InvalidAction", "Message": "no such action"}
            return 200, {"Response": {"Error": error, "RequestId": request_id}}
        request = json.loads(body)
        missing = [name for name in ("PhoneNumberSet", "SmsSdkAppId", "TemplateId") if not request.get(name)]
        if (
            missing
            or request.get("SmsSdkAppId") != TENCENT_APP
            or not isinstance(request.get("TemplateParamSet"), list)
        ):
            self.refused.append(("InvalidParameter", ",".join(missing) or "SmsSdkAppId/TemplateParamSet"))
            error = {
                "Code": "MissingParameter" if missing else "InvalidParameterValue.SdkAppIdNotExist",
                "Message": "bad",
            }
            return 200, {"Response": {"Error": error, "RequestId": request_id}}
        [phone] = request["PhoneNumberSet"]
        message = {
            "phone": phone,
            "sign": request.get("SignName", ""),
            "template": request["TemplateId"],
            "params": request["TemplateParamSet"],
            "out_id": request.get("SessionContext", ""),
        }
        status = {"SerialNo": "", "PhoneNumber": phone, "Fee": 0, "SessionContext": message["out_id"], "IsoCode": "CN"}
        if self.answer and (custom := self.answer(message)):
            return custom
        with self.lock:
            self.accepted.append(message)
            serial = f"2433:{len(self.accepted):020d}"
        status |= {"SerialNo": serial, "Fee": 1, "Code": "Ok", "Message": "send success"}
        return 200, {"Response": {"SendStatusSet": [status], "RequestId": request_id}}

    @staticmethod
    def signature_problem(method, path, headers, body) -> str:
        authorization = headers.get("Authorization", "")
        algorithm, _, fields = authorization.partition(" ")
        if algorithm != "TC3-HMAC-SHA256":
            return f"unknown algorithm {algorithm!r}"
        parts = dict(part.strip().split("=", 1) for part in fields.split(",") if "=" in part)
        secret_id, _, scope = parts.get("Credential", "").partition("/")
        if secret_id != TENCENT_ID:
            return "unknown SecretId"
        timestamp = headers.get("X-TC-Timestamp", "")
        day = datetime.fromtimestamp(int(timestamp or 0), UTC).strftime("%Y-%m-%d")
        if scope != f"{day}/sms/tc3_request":
            return f"credential scope {scope!r} is not {day}/sms/tc3_request"
        signed = parts.get("SignedHeaders", "").split(";")
        if "content-type" not in signed or "host" not in signed:
            return "content-type and host must be signed"
        split = urlsplit(path)
        canonical_headers = "".join(f"{name}:{(headers.get(name) or '').strip().lower()}\n" for name in signed)
        canonical = "\n".join(
            [method, split.path or "/", split.query, canonical_headers, ";".join(signed), _sha256(body)]
        )
        to_sign = f"TC3-HMAC-SHA256\n{timestamp}\n{scope}\n{_sha256(canonical.encode())}"
        key = _hmac(_hmac(_hmac(f"TC3{TENCENT_KEY}".encode(), day), "sms"), "tc3_request")
        expected = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
        return "" if hmac.compare_digest(expected, parts.get("Signature", "")) else "signature differs"


def aliyun_settings(settings, fake: FakeAliyun) -> None:
    settings.SMS_PROVIDER = "aliyun"
    settings.SMS_ALIYUN_ACCESS_KEY_ID, settings.SMS_ALIYUN_ACCESS_KEY_SECRET = ALIYUN_KEY_ID, ALIYUN_SECRET
    settings.SMS_ALIYUN_ENDPOINT, settings.SMS_ALIYUN_PROTOCOL = fake.endpoint, "http"


def tencent_settings(settings, fake: FakeTencent) -> None:
    settings.SMS_PROVIDER = "tencent"
    settings.SMS_TENCENT_SECRET_ID, settings.SMS_TENCENT_SECRET_KEY = TENCENT_ID, TENCENT_KEY
    settings.SMS_TENCENT_SDK_APP_ID = TENCENT_APP
    settings.SMS_TENCENT_ENDPOINT, settings.SMS_TENCENT_PROTOCOL = fake.endpoint, "http"


TEMPLATE_CODES = {
    "complaint_logged": {"zh-hans": "SMS_100001", "en": "SMS_100002"},
    "survey_invitation": {"zh-hans": "SMS_100003", "en": "SMS_100004"},
    "reopened_outcome": {"zh-hans": "SMS_100005", "en": "SMS_100006"},
}
