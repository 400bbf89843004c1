"""Real receivers on 127.0.0.1 for the outbox tests: an SMTP server (aiosmtpd) and an HTTP
server (http.server) that records each POST and answers with scripted status codes."""

from __future__ import annotations

import email
import email.policy
import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller


def free_port() -> int:
    """A port nothing listens on (bound and released; the test then starts a server on it
    or leaves it closed to play a server that is down)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class SmtpServer:
    """An aiosmtpd server on a fixed port that keeps every message it accepts."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.received: list[tuple[str, list[str], EmailMessage]] = []
        self._lock = threading.Lock()
        self._controller: Controller | None = None

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        with self._lock:
            self.received.append((envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def start(self) -> None:
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


@dataclass
class Post:
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class HttpReceiver:
    """Records each POST; answers with the next scripted (status, headers, body), then 200
    "ok" (what Slack's incoming webhooks answer)."""

    port: int
    posts: list[Post] = field(default_factory=list)
    script: list[tuple[int, dict[str, str], str]] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def answer(self, *statuses: int, headers: dict[str, str] | None = None,
               body: str = "error") -> None:
        self.script += [(s, headers or {}, body) for s in statuses]

    def start(self) -> None:
        receiver = self
        lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                raw = self.rfile.read(length)
                with lock:
                    receiver.posts.append(Post(self.path, dict(self.headers.items()),
                                               json.loads(raw)))
                    status, headers, body = (receiver.script.pop(0) if receiver.script
                                             else (200, {}, "ok"))
                data = body.encode() if status >= 300 else b"ok"
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:  # quiet test output
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A running SMTP server on 127.0.0.1."""
    server = SmtpServer(free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def smtp_down() -> Iterator[SmtpServer]:
    """An SMTP server that is not started yet: its port refuses connections until
    ``start()``."""
    server = SmtpServer(free_port())
    yield server
    server.stop()


@pytest.fixture
def receiver() -> Iterator[HttpReceiver]:
    """A running HTTP receiver on 127.0.0.1."""
    r = HttpReceiver(free_port())
    r.start()
    yield r
    r.stop()
