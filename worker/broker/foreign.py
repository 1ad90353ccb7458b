"""Files in the embedded broker's folders that are no message it can read, and where they go.

kombu's filesystem transport trusts every ``*.msg`` file in its folders: a file holding ``{}``
(a hand edit, a disk error, another program's output) made it raise ``KeyError('properties')``
in the worker's consumer, and start-up recovery put the file back, so the worker died again at
every start. Each file is checked here against what kombu and Celery need of it before either
sees it; one that fails is moved aside into ``broker/rejected`` (out of the queue and in-flight
folders), where the worker turns it into a dead letter of kind ``foreign`` and moves it on into
``broker/foreign``: its bytes stay there whole for ops to look at (the letter holds a bounded
copy), and nothing ever reads it as a message again.
"""

from __future__ import annotations

import base64
import hashlib
import os
import uuid
from pathlib import Path
from typing import Any

from kombu.transport.virtual import Channel
from kombu.utils.json import loads

from muster.worker.broker.arrival import MAX_BODY, PREVIEW, printable
from muster.worker.lazy_log import LazyLogger

log = LazyLogger("muster.embedded_broker")  # producers that only send never import structlog

MAX_FILE = 8 << 20  # bytes: larger than any message muster or a producer's client writes
REJECTED = "rejected"  # folders beside the queue: set aside, not yet a dead letter
FOREIGN = "foreign"  # set aside and kept as a dead letter
_OBJECTS = frozenset({"properties.delivery_info", "headers"})  # the rest must be text
_CODECS: dict[str, Any] = Channel.codecs  # what kombu decodes a body with, by encoding name


def problem(raw: bytes, size: int | None = None) -> str | None:
    """Why a message file holding ``raw`` (of ``size`` bytes in all, when only its head was read)
    cannot be handed to kombu, or None when it can: the dead letter's reason."""
    return parse(raw, size)[1]


def parse(raw: bytes, size: int | None = None) -> tuple[Any, str | None]:
    """The message envelope in ``raw`` and None, or None and why it cannot be read."""
    size = len(raw) if size is None else size
    if size > MAX_FILE:
        return None, f"too large: {size} bytes (a message file holds at most {MAX_FILE})"
    if size == 0:
        return None, "empty"
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as failure:
        return None, f"not UTF-8 (byte 0x{raw[failure.start]:02x} at offset {failure.start})"
    try:
        envelope = loads(text)  # type: ignore[no-untyped-call]
    except Exception as failure:  # noqa: BLE001 - whatever kombu's decoder raises, it is no JSON
        return None, f"not JSON ({printable(type(failure).__name__)})"
    wrong = _shape(envelope)
    return (None, wrong) if wrong else (envelope, None)


def _shape(envelope: Any) -> str | None:
    """What kombu's virtual message, its QoS and Celery's consumer would raise on, or None."""
    if not isinstance(envelope, dict):
        return f"wrong shape: a JSON {_kind(envelope)}, not a message object"
    properties = envelope.get("properties")
    if not isinstance(properties, dict):
        return "wrong shape: no properties object"
    fields = {
        "properties.delivery_tag": properties.get("delivery_tag"),
        "properties.delivery_info": properties.get("delivery_info") or {},
        "headers": envelope.get("headers") or {},
        "content-type": envelope.get("content-type") or "",
        "content-encoding": envelope.get("content-encoding") or "",
        "body": envelope.get("body") or "",
    }
    for field, value in fields.items():
        wanted = dict if field in _OBJECTS else str
        if not isinstance(value, wanted) or (field == "properties.delivery_tag" and not value):
            return f"wrong shape: {field} is not {'an object' if wanted is dict else 'text'}"
    return _body(envelope.get("body") or "", properties.get("body_encoding"))


def _body(body: str, encoding: Any) -> str | None:
    """Why kombu cannot decode ``body`` (its codec raises), or None."""
    if not body or not encoding or (isinstance(encoding, str) and encoding.lower() == "utf-8"):
        return None  # kombu hands the text over as it is
    if not isinstance(encoding, str) or encoding not in _CODECS:
        return "wrong shape: properties.body_encoding is neither base64 nor utf-8"
    try:
        _CODECS[encoding].decode(body)
    except Exception:  # noqa: BLE001 - kombu's codec raises whatever base64 and UTF-8 raise
        return "body is not base64"
    return None


def _kind(value: Any) -> str:
    names = {list: "array", str: "string", bool: "boolean", int: "number", float: "number"}
    return "null" if value is None else names.get(type(value), type(value).__name__)


def read(path: Path) -> tuple[Any, str | None]:
    """The envelope in the message file at ``path`` and None, or None and why it cannot be read
    (never more than :data:`MAX_FILE` bytes are read). A file gone meanwhile (taken by another
    consumer) raises FileNotFoundError."""
    try:
        with path.open("rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            return parse(handle.read(MAX_FILE + 1) if size <= MAX_FILE else b"", size)
    except FileNotFoundError:
        raise
    except OSError as failure:
        return None, f"unreadable ({type(failure).__name__})"


def set_aside(path: Path, broker: Path) -> Path | None:
    """Move ``path`` into ``broker/rejected`` (the same name, unless taken); None if it is gone,
    or cannot be moved (then it stays out of the queue, for the next recovery to try again)."""
    folder = broker / REJECTED
    try:
        folder.mkdir(parents=True, exist_ok=True)
        target = _free(folder / path.name)
        os.replace(path, target)
    except FileNotFoundError:
        return None
    except OSError as failure:
        log.error(
            "embedded_broker.not_set_aside", file=printable(path.name), error=type(failure).__name__
        )
        return None
    return target


def _free(target: Path) -> Path:
    """``target``, or a name beside it that no file has (two foreign files of one name)."""
    if not target.exists():
        return target
    return target.with_name(f"{target.name}.{uuid.uuid4().hex[:8]}")


def keeping(path: Path, broker: Path) -> Path:
    """Where a set-aside file is kept once it is a dead letter: ``broker/foreign``."""
    return broker / FOREIGN / path.name


def describe(path: Path, kept_at: Path) -> dict[str, Any]:
    """The dead letter's payload for the set-aside file ``path``: where its bytes are kept, its
    size and SHA-256, the first :data:`MAX_BODY` bytes as base64, and a readable preview."""
    digest = hashlib.sha256()
    head = b""
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            if len(head) < MAX_BODY:
                head += chunk[: MAX_BODY - len(head)]
            digest.update(chunk)
            size += len(chunk)
    return {
        "file": printable(path.name),
        "kept_at": printable(str(kept_at)),
        "size": size,
        "sha256": digest.hexdigest(),
        "base64": base64.b64encode(head).decode("ascii"),
        "truncated": len(head) < size,
        "preview": printable(head[: PREVIEW * 4].decode("utf-8", errors="replace"), PREVIEW),
    }
