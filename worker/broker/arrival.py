"""What arrived on the broker, in a form every database column and every terminal can hold.

A message muster refuses is kept as a dead letter, and what a producer sent may be a pickle,
bytes that are no text at all, headers JSON cannot hold, or names with NULs and lone surrogates
that PostgreSQL or a UTF-8 terminal would choke on. What is kept goes through here first, so
keeping it never fails because of what it contains, and nothing about what arrived is lost: the
body as base64 (whole up to a megabyte; beyond that its size and hash say what the rest was),
beside a preview a person can read, its content type and its headers.
"""

from __future__ import annotations

import base64
import hashlib
import math
import re
from collections.abc import Mapping
from typing import Any

MAX_BODY = 1 << 20  # bytes of a body kept whole; no contract message comes near it
PREVIEW = 1000  # characters of the readable preview
TASK_NAME = 100  # the widths of dead_letters.task and dead_letters.message_id
MESSAGE_ID = 200

# C0 controls but tab and newline, DEL, and lone surrogates (which no UTF-8 encoder accepts).
_UNPRINTABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff]")


def printable(text: str, limit: int | None = None) -> str:
    """``text`` with what a column or a terminal cannot take escaped (``\\x00``, ``\\ud800``),
    cut to ``limit`` characters; used for names and ids, which muster shows and indexes."""
    escaped = _UNPRINTABLE.sub(_escape, text)
    return escaped if limit is None else escaped[:limit]


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def storable(value: Any) -> Any:
    """A copy of ``value`` that any JSON column takes: bytes as base64, tuples as lists, keys as
    text, non-finite floats (which PostgreSQL's JSON refuses) and unknown objects as text."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return {"base64": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, Mapping):
        return {str(key): storable(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [storable(item) for item in value]
    return repr(value)


def message_key(headers: Mapping[str, Any], properties: Mapping[str, Any]) -> str | None:
    """The message's own id, stable across redelivery: Celery's task id, else the AMQP message
    id, else the tag kombu's Redis and filesystem transports give each published message (an
    AMQP delivery tag is a number that changes with each delivery, so it is no id)."""
    for value in (
        headers.get("id"),
        properties.get("correlation_id"),
        properties.get("message_id"),
        properties.get("delivery_tag"),
    ):
        if isinstance(value, str) and value:
            return printable(value, MESSAGE_ID)
    return None


def task_name(headers: Mapping[str, Any]) -> str:
    """The task a message names, fit for the ``task`` column (empty if it names none)."""
    name = headers.get("task")
    return printable(name if isinstance(name, str) else repr(name), TASK_NAME) if name else ""


def celery_call(body: Any) -> tuple[list[Any], dict[str, Any]] | None:
    """The positional and keyword arguments of a decoded Celery task body, or None when the body
    is not shaped as one: ``[args, kwargs, options]`` (protocol 2) or a mapping with ``args``
    (protocol 1). Celery unpacks a body without checking it and dies on a wrong shape."""
    if isinstance(body, list | tuple) and len(body) == 3:
        args, kwargs, options = body
        shaped = isinstance(args, list | tuple) and isinstance(kwargs, dict)
        return (list(args), kwargs) if shaped and isinstance(options, dict | None) else None
    if isinstance(body, dict) and "args" in body:
        args, kwargs = body["args"], body.get("kwargs", {})
        if isinstance(args, list | tuple) and isinstance(kwargs, dict):
            return list(args), kwargs
    return None


def describe(message: Any, call: tuple[list[Any], dict[str, Any]] | None = None) -> dict[str, Any]:
    """Everything known about ``message`` (a kombu message, or whatever a transport handed over),
    storable: content type and encoding, headers, properties, where it was routed, the body, and
    the task's arguments when they could be read (what a replay sends again)."""
    properties = _mapping(getattr(message, "properties", None))
    delivery = _mapping(getattr(message, "delivery_info", None))
    record: dict[str, Any] = {
        "content_type": storable(getattr(message, "content_type", None)),
        "content_encoding": storable(getattr(message, "content_encoding", None)),
        "headers": storable(_mapping(getattr(message, "headers", None))),
        "properties": storable({k: v for k, v in properties.items() if k != "delivery_info"}),
        "delivery_info": storable(
            {k: delivery[k] for k in ("exchange", "routing_key", "redelivered") if k in delivery}
        ),
        "body": body_record(getattr(message, "body", None)),
    }
    if call is not None:
        record["args"], record["kwargs"] = storable(call[0]), storable(call[1])
    return record


def body_record(body: Any) -> dict[str, Any]:
    """A body as bytes kept (base64, whole up to :data:`MAX_BODY`), their size and SHA-256, and
    a preview decoded as UTF-8 with replacement characters."""
    raw = _as_bytes(body)
    kept = raw[:MAX_BODY]
    return {
        "size": len(raw),
        "sha256": hashlib.sha256(raw).hexdigest(),
        "base64": base64.b64encode(kept).decode("ascii"),
        "truncated": len(kept) < len(raw),
        "preview": printable(raw[: PREVIEW * 4].decode("utf-8", errors="replace"), PREVIEW),
    }


def _as_bytes(body: Any) -> bytes:
    if body is None:
        return b""
    if isinstance(body, bytes | bytearray | memoryview):
        return bytes(body)
    if isinstance(body, str):
        return body.encode("utf-8", errors="surrogatepass")
    return repr(body).encode("utf-8", errors="backslashreplace")


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}
