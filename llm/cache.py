"""Review cache through the StateStore (LEAN's ObjectStore in LEAN, a folder offline).

Key = sha256 of the canonical request JSON + model id + prompt files' hash + response schema hash, so a
change to any of them is a miss rather than a stale answer. Entries hold the validated response and the
usage of the call that produced it, never credentials. A damaged entry is a miss (logged), not an error.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass

from pydantic import ValidationError

from domain.state import StateStore
from llm.client import Usage
from llm.contract import ReviewRequest, ReviewResponse, schema_hash

log = logging.getLogger("wheelhouse.llm")

PREFIX = "wheelhouse/review/cache"


def cache_key(request: ReviewRequest, model: str, prompts_hash: str, schema: str | None = None) -> str:
    """Deterministic key of one review question."""
    parts = [request.canonical(), model, prompts_hash, schema or schema_hash()]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class CacheEntry:
    response: ReviewResponse
    usage: Usage
    model: str


class ReviewCache:
    """Reads and writes validated responses under ``wheelhouse/review/cache/<key>``."""

    def __init__(self, store: StateStore) -> None:
        self.store = store

    def get(self, key: str) -> CacheEntry | None:
        raw = self.store.read(f"{PREFIX}/{key}")
        if raw is None:
            return None
        try:
            data = json.loads(raw)
            response = ReviewResponse.model_validate(data["response"])
            return CacheEntry(response, Usage.from_mapping(data.get("usage")), str(data.get("model", "")))
        except (ValueError, KeyError, TypeError, ValidationError) as exc:
            log.error("review cache entry %s is unreadable (%s); treated as a miss", key[:12], type(exc).__name__)
            return None

    def put(self, key: str, response: ReviewResponse, usage: Usage, model: str) -> None:
        entry = {
            "model": model,
            "response": response.model_dump(mode="json"),
            "usage": {
                "input_tokens": usage.input_tokens,
                "output_tokens": usage.output_tokens,
                "cache_creation_input_tokens": usage.cache_creation_input_tokens,
                "cache_read_input_tokens": usage.cache_read_input_tokens,
            },
        }
        self.store.save(f"{PREFIX}/{key}", json.dumps(entry, sort_keys=True))
