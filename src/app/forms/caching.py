"""Small thread-safe caches keyed by the canonical JSON of a schema.

Schemas arrive as fresh dicts on every request (loaded from the deployment), so
identity is useless as a key; the SHA-256 of their canonical JSON is stable.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, Generic, TypeVar

T = TypeVar("T")


def canonical_key(*parts: Any) -> str:
    """Hash of the canonical JSON of ``parts`` (sorted keys, no whitespace)."""
    text = json.dumps(parts, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class KeyedCache(Generic[T]):
    """A bounded LRU mapping; building twice under a race is harmless, so the
    lock only guards the dictionary, not the (possibly slow) build."""

    def __init__(self, maxsize: int = 256) -> None:
        self._items: OrderedDict[str, T] = OrderedDict()
        self._maxsize = maxsize
        self._lock = threading.Lock()

    def get_or_build(self, key: str, build: Callable[[], T]) -> T:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        value = build()
        with self._lock:
            existing = self._items.get(key)
            if existing is not None:
                return existing
            self._items[key] = value
            while len(self._items) > self._maxsize:
                self._items.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
