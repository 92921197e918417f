"""Production email is configured by one EMAIL_URL: a process started with it delivers over SMTP."""

import base64
import secrets
import socketserver
import threading

from tests.test_deploy_check import run_manage


class RecordingSmtpHandler(socketserver.StreamRequestHandler):
    """Just enough of an SMTP server (with AUTH PLAIN) to record what a client sent."""

    def reply(self, line: str) -> None:
        self.wfile.write(f"{line}\r\n".encode())

    def handle(self) -> None:
        received = self.server.received
        self.reply("220 test ESMTP")
        while line := self.rfile.readline().decode().rstrip("\r\n"):
            verb = line.split(" ", 1)[0].upper()
            if verb == "EHLO":
                self.reply("250-test")
                self.reply("250 AUTH PLAIN")
            elif verb == "AUTH":
                _, user, password = base64.b64decode(line.split()[2]).decode().split("\0")
                received["login"] = (user, password)
                self.reply("235 ok")
            elif verb in ("MAIL", "RCPT"):
                received.setdefault(verb, []).append(line.split(":", 1)[1].strip())
                self.reply("250 ok")
            elif verb == "DATA":
                self.reply("354 go on")
                lines = []
                while (data := self.rfile.readline().decode()) not in (".\r\n", ""):
                    lines.append(data)
                received["data"] = "".join(lines)
                self.reply("250 queued")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("250 ok")


def test_a_production_process_sends_mail_through_the_smtp_server_in_email_url():
    server = socketserver.TCPServer(("127.0.0.1", 0), RecordingSmtpHandler)
    server.received = {}
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        port = server.server_address[1]
        result = run_manage(
            "sendtestemail",
            "supervisor@example.com",
            DEBUG="False",
            SECRET_KEY=secrets.token_urlsafe(50),
            ALLOWED_HOSTS="desk.example.com",
            DATABASE_URL="postgres://postgres@127.0.0.1:5432/postgres",
            DEFAULT_FROM_EMAIL="desk@example.com",
            # A password with characters that must be %-encoded in a URL.
            EMAIL_URL=f"smtp://desk%40example.com:p%2Fss%3Aword@127.0.0.1:{port}?timeout=5",
        )
    finally:
        server.shutdown()
        server.server_close()
    assert result.returncode == 0, result.stderr
    assert server.received["login"] == ("desk@example.com", "p/ss:word")
    assert server.received["MAIL"] == ["<desk@example.com>"]
    assert server.received["RCPT"] == ["<supervisor@example.com>"]
    assert "Subject: Test email from" in server.received["data"]
