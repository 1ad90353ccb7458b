"""The slow-provider bench's peers: HTTP sinks that answer after a delay (``bench.lib.sink``), and
an SMTP server that takes its time over each message, each counting the sends on the wire."""

from __future__ import annotations

import asyncio
import email
import threading
import time
from email import policy
from typing import Any, Self

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from bench.lib.sink import INCIDENT_ID, Arrival, Gauge
from tests.harness.peers.common import HOST, free_port


def _incident_id(raw: bytes) -> bytes:
    """The incident id a mail is about: found in its raw bytes (the subject names it) without
    parsing it, as a remote relay's CPU is not this machine's; parsed only if not. A parse with
    ``email``'s default policy costs milliseconds of this process's interpreter, which the HTTP
    peers beside it (the fast chat peer) share: 200 of them delayed chat's arrivals by 0.4 s."""
    found = INCIDENT_ID.search(raw)
    if found:
        return found.group()
    message: Any = email.message_from_bytes(raw, policy=policy.default)
    text = " ".join(
        str(part.get_content())
        for part in message.walk()
        if part.get_content_type() in ("text/plain", "text/html")
    )
    found = INCIDENT_ID.search((str(message.get("Subject", "")) + text).encode())
    return found.group() if found else b"?"


class SlowSmtp:
    """An SMTP server (aiosmtpd) that holds each message ``delay`` seconds before its ``250``,
    as a remote mail relay with TLS does; it files each mail under the incident id in it."""

    def __init__(self, gauge: Gauge, delay: float = 1.0) -> None:
        self.port = free_port()
        self.delay = delay
        self.gauge = gauge
        self._lock = threading.Lock()
        self._arrivals: dict[str, list[Arrival]] = {}
        self._controller = Controller(self, hostname=HOST, port=self.port)

    def __enter__(self) -> Self:
        self._controller.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._controller.stop()

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802 - aiosmtpd's hook name
        at = time.perf_counter()
        raw = envelope.original_content or envelope.content or b""
        found = _incident_id(raw if isinstance(raw, bytes) else raw.encode())
        self.gauge.enter()
        try:
            await asyncio.sleep(self.delay)
        finally:
            self.gauge.leave()
        with self._lock:
            key = found.decode()
            self._arrivals.setdefault(key, []).append(Arrival(at, "/email"))
        return "250 2.0.0 OK: queued"

    def arrivals(self, key: str) -> list[Arrival]:
        with self._lock:
            return list(self._arrivals.get(key, ()))

    def url_template(self) -> str:
        return f"mailto://{HOST}:{self.port}?from=muster%40example.test&to={{email}}"
