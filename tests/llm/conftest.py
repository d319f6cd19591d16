"""A local Messages API on 127.0.0.1 serving canned answers, for the real SDK and the requests path."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

SECRET = "sk-" + "ant-test-5ecret-DO-NOT-LEAK-0123456789"  # built at run time: no key-shaped text in the tree


@dataclass
class Canned:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


@dataclass
class Recorded:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


def message(text: str, usage: dict[str, int] | None = None, stop_reason: str = "end_turn") -> bytes:
    """A Messages API reply whose only content block is ``text``."""
    return json.dumps({
        "id": "msg_test", "type": "message", "role": "assistant", "model": "claude-haiku-4-5",
        "content": [{"type": "text", "text": text}], "stop_reason": stop_reason, "stop_sequence": None,
        "usage": usage or {"input_tokens": 3000, "output_tokens": 900, "cache_creation_input_tokens": 0,
                           "cache_read_input_tokens": 0},
    }).encode()


def decision(cid: str, action: str = "approve", size: float = 1.0, confidence: int = 8, **extra: Any) -> dict[str, Any]:
    d: dict[str, Any] = {
        "candidate_id": cid, "action": action, "size_multiplier": size, "confidence": confidence,
        "rationale": "premium pays for the risk", "risk_factors": ["assignment below the strike"],
        "catalysts": [], "sentiment": "neutral", "earnings_impact": "none before expiry",
        "sector_macro": "normal regime", "best_case": "keeps the premium", "worst_case": "assigned after a drop",
        "similar_trades": "no comparable trades", "exit_plan": "take profit at 50%",
    }
    d.update(extra)
    return d


class FakeApi:
    """Serves queued responses in order; when the queue is empty it answers 500. Records every request."""

    def __init__(self) -> None:
        self.queue: list[Canned] = []
        self.requests: list[Recorded] = []
        self.lock = threading.Lock()
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", "0"))
                raw = self.rfile.read(length)
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = {"_unparsed": raw.decode(errors="replace")}
                with api.lock:
                    api.requests.append(Recorded(self.path, {k.lower(): v for k, v in self.headers.items()}, body))
                    canned = api.queue.pop(0) if api.queue else Canned(500, b'{"type":"error","error":{"type":"api_error","message":"no canned answer"}}')
                if canned.delay:
                    time.sleep(canned.delay)
                try:
                    self.send_response(canned.status)
                    self.send_header("content-type", "application/json")
                    for k, v in canned.headers.items():
                        self.send_header(k, v)
                    self.send_header("content-length", str(len(canned.body)))
                    self.end_headers()
                    self.wfile.write(canned.body)
                except OSError:
                    pass  # the client gave up (timeout test)

            def log_message(self, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"

    @property
    def env(self) -> dict[str, str]:
        return {"ANTHROPIC_API_KEY": SECRET, "ANTHROPIC_BASE_URL": self.url}

    def push(self, status: int = 200, body: bytes | str | dict[str, Any] = b"", headers: dict[str, str] | None = None,
             delay: float = 0.0) -> None:
        if isinstance(body, dict):
            body = json.dumps(body)
        if isinstance(body, str):
            body = body.encode()
        self.queue.append(Canned(status, body, headers or {}, delay))

    def answer(self, decisions: list[dict[str, Any]], usage: dict[str, int] | None = None, **kw: Any) -> None:
        self.push(200, message(json.dumps({"decisions": decisions}), usage), **kw)

    def error(self, status: int, message_text: str = "error", headers: dict[str, str] | None = None,
              delay: float = 0.0) -> None:
        self.push(status, {"type": "error", "error": {"type": "api_error", "message": message_text}}, headers, delay)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def api() -> Iterator[FakeApi]:
    server = FakeApi()
    yield server
    server.close()
