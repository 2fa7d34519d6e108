"""Local ``$ref`` resolution for the form builder.

jsonschema resolves references itself when validating; the builder only needs
the shape of each property, and form schemas only ever point inside themselves
(``#/$defs/...``), so a tiny JSON-pointer walk is enough.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def _unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def resolve(schema: Any, root: Mapping[str, Any], _depth: int = 0) -> Mapping[str, Any]:
    """Return ``schema`` with a local ``$ref`` followed (sibling keywords win).

    Unknown or remote references resolve to ``{}`` (an unconstrained text field)
    rather than raising: the linter reports them, the form still renders.
    """
    if not isinstance(schema, Mapping):
        return {}
    ref = schema.get("$ref")
    if not isinstance(ref, str) or _depth > 20:
        return schema
    target: Any = None
    if ref == "#":
        target = root
    elif ref.startswith("#/"):
        target = root
        for token in ref[2:].split("/"):
            if not isinstance(target, Mapping):
                target = None
                break
            target = target.get(_unescape(token))
    base = resolve(target, root, _depth + 1) if isinstance(target, Mapping) else {}
    merged = dict(base)
    merged.update({k: v for k, v in schema.items() if k != "$ref"})
    return merged


def pointer(path: Any) -> str:
    """JSON-pointer-like path ("/a/0/b") for a sequence of keys and indexes."""
    parts = [str(p).replace("~", "~0").replace("/", "~1") for p in path]
    return "".join("/" + p for p in parts)
