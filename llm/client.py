"""Messages API client for the review: the anthropic SDK when importable, else plain ``requests``.

Both paths send the same body (model, max_tokens, the static system prompt with ``cache_control``, the
messages, and ``output_config.format`` = the response model's strict JSON schema) and validate the answer
with the same pydantic model. The SDK path calls ``messages.parse(output_format=ReviewResponse)``; the
``requests`` path (QuantConnect cloud has no ``anthropic`` package) posts the body to ``/v1/messages``.

Retries are this module's, not the SDK's (the SDK is built with ``max_retries=0``): one policy for both paths,
bounded by a time budget of ``timeout x (max_retries + 1)``. A ``retry-after`` longer than what is left of
that budget ends the call at once instead of sleeping (the SDK would sleep for any value the server sends).

The API key comes from the caller (read from the environment by :meth:`Credentials.from_env`), is sent only
as a header, and is redacted from every error message this module raises.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import ValidationError

from llm.contract import ReviewResponse, api_schema

log = logging.getLogger("wheelhouse.llm")

API_VERSION = "2023-06-01"
DEFAULT_BASE_URL = "https://api.anthropic.com"
RETRYABLE = {408, 409, 429, 500, 502, 503, 504, 529}
ERROR_TEXT_LIMIT = 1_500


class CallError(Exception):
    """A call that produced no answer. ``kind``: no_key, timeout, connection, rate_limited, server, http,
    malformed. The message never contains the API key."""

    def __init__(self, kind: str, detail: str, retry_after: float | None = None, status: int | None = None) -> None:
        super().__init__(f"{kind}: {detail}")
        self.kind = kind
        self.detail = detail
        self.retry_after = retry_after
        self.status = status

    @property
    def retryable(self) -> bool:
        return self.kind in ("timeout", "connection") or self.status in RETRYABLE


@dataclass(frozen=True, slots=True)
class Usage:
    """Token counts the API reported for one or more calls."""

    input_tokens: int = 0
    output_tokens: int = 0
    cache_creation_input_tokens: int = 0
    cache_read_input_tokens: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(self.input_tokens + other.input_tokens, self.output_tokens + other.output_tokens,
                     self.cache_creation_input_tokens + other.cache_creation_input_tokens,
                     self.cache_read_input_tokens + other.cache_read_input_tokens)

    @staticmethod
    def from_mapping(data: object) -> Usage:
        if not isinstance(data, Mapping):
            return Usage()

        def n(key: str) -> int:
            value = data.get(key)
            return int(value) if isinstance(value, int | float) and value > 0 else 0

        return Usage(n("input_tokens"), n("output_tokens"), n("cache_creation_input_tokens"),
                     n("cache_read_input_tokens"))


@dataclass(frozen=True, slots=True)
class Reply:
    """One answered call: the text, the validated response or the validation error, usage and timing."""

    text: str
    parsed: ReviewResponse | None
    error: str | None
    usage: Usage
    latency_s: float
    attempts: int
    stop_reason: str | None = None


@dataclass(frozen=True)
class Credentials:
    """API key and base URL. The key is excluded from ``repr`` so it cannot leak through a log of this."""

    api_key: str = field(repr=False)
    base_url: str = DEFAULT_BASE_URL

    @staticmethod
    def from_env(env: Mapping[str, str] | None = None) -> Credentials | None:
        """``ANTHROPIC_API_KEY`` and ``ANTHROPIC_BASE_URL`` (optional) from the environment; None without a key."""
        env = os.environ if env is None else env
        key = env.get("ANTHROPIC_API_KEY", "").strip()
        if not key:
            return None
        return Credentials(key, env.get("ANTHROPIC_BASE_URL", "").strip() or DEFAULT_BASE_URL)


def sdk_available() -> bool:
    try:
        import anthropic  # noqa: F401
    except ImportError:
        return False
    return True


def _validate(text: str) -> tuple[ReviewResponse | None, str | None]:
    """The same validation for both paths (the SDK's parse uses the same pydantic model)."""
    try:
        return ReviewResponse.model_validate_json(text), None
    except ValidationError as exc:
        return None, str(exc)


def _text_of(data: Mapping[str, Any]) -> str:
    blocks = data.get("content")
    if not isinstance(blocks, list):
        raise CallError("malformed", "response has no content list")
    return "".join(str(b.get("text", "")) for b in blocks if isinstance(b, Mapping) and b.get("type") == "text")


def _retry_after(headers: Mapping[str, str]) -> float | None:
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is not None:
            try:
                return max(float(value) * scale, 0.0)
            except ValueError:
                continue
    return None


def _status_kind(status: int) -> str:
    if status == 429:
        return "rate_limited"
    return "server" if status >= 500 else "http"


def _api_message(body: object) -> str:
    if isinstance(body, Mapping):
        err = body.get("error")
        if isinstance(err, Mapping):
            return str(err.get("message", ""))[:300]
    return ""


class _RequestsTransport:
    name = "requests"

    def __init__(self, creds: Credentials) -> None:
        import requests

        self._requests = requests
        self._url = creds.base_url.rstrip("/") + "/v1/messages"
        self._headers = {"x-api-key": creds.api_key, "anthropic-version": API_VERSION,
                         "content-type": "application/json"}

    def post(self, body: dict[str, Any], timeout: float) -> tuple[str, ReviewResponse | None, str | None, Usage,
                                                                  str | None]:
        req = self._requests
        try:
            resp = req.post(self._url, data=json.dumps(body), headers=self._headers, timeout=timeout)
        except req.Timeout:
            raise CallError("timeout", f"no answer within {timeout:.2f} s") from None
        except req.RequestException as exc:
            raise CallError("connection", type(exc).__name__) from None
        if resp.status_code >= 400:
            try:
                detail = _api_message(resp.json())
            except ValueError:
                detail = ""
            raise CallError(_status_kind(resp.status_code), f"HTTP {resp.status_code} {detail}".strip(),
                            _retry_after(resp.headers), resp.status_code)
        try:
            data = resp.json()
        except ValueError:
            raise CallError("malformed", "response body is not JSON") from None
        if not isinstance(data, Mapping):
            raise CallError("malformed", "response body is not a JSON object")
        text = _text_of(data)
        parsed, error = _validate(text)
        return text, parsed, error, Usage.from_mapping(data.get("usage")), data.get("stop_reason")


class _SdkTransport:
    name = "sdk"

    def __init__(self, creds: Credentials, timeout: float) -> None:
        import anthropic

        self._sdk = anthropic
        self._raw: list[Any] = []
        outer = self

        class _Capture(anthropic.Middleware):
            """Keeps each successful raw reply so usage is known even when the output fails validation."""

            def handle(self, request: Any, call_next: Any) -> Any:
                response = call_next(request)
                if response.status_code < 400:
                    try:
                        outer._raw.append(response.json())
                    except ValueError:
                        outer._raw.append(None)
                return response

        self._client = anthropic.Anthropic(api_key=creds.api_key, base_url=creds.base_url, timeout=timeout,
                                           max_retries=0, middleware=[_Capture()])

    def post(self, body: dict[str, Any], timeout: float) -> tuple[str, ReviewResponse | None, str | None, Usage,
                                                                  str | None]:
        sdk = self._sdk
        kwargs = {k: v for k, v in body.items() if k != "output_config"}
        self._raw.clear()
        try:
            message = self._client.messages.parse(**kwargs, output_format=ReviewResponse, timeout=timeout)
        except sdk.APITimeoutError:
            raise CallError("timeout", f"no answer within {timeout:.2f} s") from None
        except sdk.APIConnectionError as exc:
            raise CallError("connection", type(exc).__name__) from None
        except sdk.APIStatusError as exc:
            detail = exc.api_message or ""
            raise CallError(_status_kind(exc.status_code), f"HTTP {exc.status_code} {detail[:300]}".strip(),
                            _retry_after(exc.response.headers), exc.status_code) from None
        except sdk.AnthropicError as exc:  # any other SDK failure (e.g. a reply it cannot read)
            raise CallError("malformed", type(exc).__name__) from None
        except (ValidationError, ValueError, TypeError, AttributeError) as exc:
            raw = self._raw[-1] if self._raw else None
            if not isinstance(raw, Mapping):
                raise CallError("malformed", "response body is not a JSON message") from None
            text = _text_of(raw)
            return text, None, str(exc), Usage.from_mapping(raw.get("usage")), raw.get("stop_reason")
        text = "".join(str(getattr(b, "text", "")) for b in message.content if b.type == "text")
        parsed = message.parsed_output
        usage = Usage.from_mapping(message.usage.model_dump())
        if parsed is None:
            return text, None, "the answer holds no JSON text block", usage, message.stop_reason
        return text, parsed, None, usage, message.stop_reason


class MessagesClient:
    """Sends one review request with bounded retries; returns a :class:`Reply` or raises :class:`CallError`.

    ``transport``: ``auto`` (the SDK when importable, else requests), ``sdk`` or ``requests``.
    ``sleep`` and ``clock`` are injectable so tests stay fast and deterministic.
    """

    def __init__(self, credentials: Credentials, *, model: str, timeout: float, max_retries: int,
                 max_tokens: int, transport: Literal["auto", "sdk", "requests"] = "auto",
                 sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic) -> None:
        self.model = model
        self.timeout = timeout
        self.max_retries = max_retries
        self.max_tokens = max_tokens
        self._secret = credentials.api_key
        self._sleep = sleep
        self._clock = clock
        use_sdk = transport == "sdk" or (transport == "auto" and sdk_available())
        self._transport: _SdkTransport | _RequestsTransport = (
            _SdkTransport(credentials, timeout) if use_sdk else _RequestsTransport(credentials)
        )

    @property
    def transport(self) -> str:
        return self._transport.name

    def body(self, system: str, messages: list[dict[str, Any]]) -> dict[str, Any]:
        """The request body both paths send (the SDK builds ``output_config`` itself, identically)."""
        return {
            "model": self.model,
            "max_tokens": self.max_tokens,
            "system": [{"type": "text", "text": system, "cache_control": {"type": "ephemeral"}}],
            "messages": messages,
            "output_config": {"format": {"type": "json_schema", "schema": api_schema()}},
        }

    def redact(self, text: str) -> str:
        return text.replace(self._secret, "[redacted]") if self._secret else text

    def send(self, system: str, messages: list[dict[str, Any]]) -> Reply:
        body = self.body(system, messages)
        start = self._clock()
        deadline = start + self.timeout * (self.max_retries + 1)
        attempt = 0
        while True:
            attempt += 1
            remaining = deadline - self._clock()
            try:
                text, parsed, error, usage, stop = self._transport.post(body, max(min(self.timeout, remaining), 0.01))
            except CallError as exc:
                detail = self.redact(exc.detail)
                wait = exc.retry_after if exc.retry_after is not None else 0.25 * 2 ** (attempt - 1)
                left = deadline - self._clock()
                if not exc.retryable or attempt > self.max_retries or wait >= left:
                    if exc.retryable and attempt <= self.max_retries:
                        detail += f" (retry after {wait:.2f} s exceeds the {max(left, 0.0):.2f} s left)"
                    raise CallError(exc.kind, f"{detail} after {attempt} attempt(s)", None, exc.status) from None
                log.warning("review call attempt %d failed (%s: %s); retrying in %.2f s", attempt, exc.kind,
                            detail, wait)
                self._sleep(wait)
                continue
            latency = self._clock() - start
            if error is not None:
                error = self.redact(error)[:ERROR_TEXT_LIMIT]
            return Reply(self.redact(text), parsed, error, usage, latency, attempt, stop)
