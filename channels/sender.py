"""Sending one message to one Apprise target, and saying whether a failure is worth retrying.

One Apprise object per target: ``notify()`` is False if any of several targets failed, and a retry
would page the others again. Apprise answers only True/False, so the failure is classified from
its own log entries for that send: HTTP 5xx, 408, 425, 429, connection errors and timeouts are
transient; other 4xx and URLs Apprise cannot parse are permanent. The error kept is a short class
and a masked detail: never the URL, its token or the address. A ``Retry-After`` the peer sent
with a 429 or 503, which Apprise does not pass on, is read from the HTTP answer itself
(:mod:`muster.channels.http_answers`).
"""

from __future__ import annotations

import copy
import functools
import re
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

import apprise

import muster.channels.outbox  # noqa: F401 - registers the outbox:// schema with Apprise
from muster.channels.apprise_logging import tame_apprise_logging
from muster.channels.http_answers import watching
from muster.channels.http_sessions import KeptAlive
from muster.channels.tls_contexts import share_smtp_certificates
from muster.config.settings import Settings
from muster.worker.core.config.masking import mask_text
from muster.worker.core.rendering.render import RenderedMessage

_HTTP_STATUS = re.compile(r"(?:HTTP Error|error=|status(?: code)?[:= ]+)\s*(\d{3})", re.IGNORECASE)
_TRANSIENT_WORDS = re.compile(
    r"connection error|timed out|timeout|temporar|refused|reset by peer|unreachable|"
    r"name resolution|too many requests|service unavailable|bad gateway",
    re.IGNORECASE,
)
_TRANSIENT_HTTP = {408, 425, 429}
DEFAULT_CONNECTIONS: int = Settings.model_fields["send_threads"].default  # a worker passes its own
_FORMATS = {
    "text": apprise.NotifyFormat.TEXT,
    "markdown": apprise.NotifyFormat.MARKDOWN,
    "html": apprise.NotifyFormat.HTML,
}


@dataclass(frozen=True, slots=True)
class SendResult:
    """How one send ended: ``ok``, else whether to retry and a masked, short reason, and how
    long the peer asked to be left alone (``Retry-After`` on a 429 or 503, in seconds)."""

    ok: bool
    retryable: bool = False
    error: str | None = None
    duration_ms: int = 0
    retry_after: float | None = None


class Sender(Protocol):
    """Something that sends a rendered message to one target URL (Apprise, or a test stub)."""

    def __call__(self, url: str, message: RenderedMessage) -> SendResult: ...


def _on_the_calling_thread() -> apprise.AppriseAsset:
    """The asset every plugin muster builds gets: sends run on the thread that asks.

    Apprise sends any target that has a deadline -- every one, with its default
    ``service_timeout`` of 60 s -- through its process-wide thread pool, so that it can stop
    waiting for it; that pool has Python's default size for an executor, ``min(32, CPUs + 4)``:
    six on two cores, whatever muster's sending pool holds. That was the "6 sends in flight
    whatever ``MUSTER_SEND_THREADS``" of issue 19. Each muster send is one target on a thread
    of muster's own pool already, so it is sent right there (no ``service_timeout``, no
    ``async_mode``); a send stays bounded by its plugin's socket timeouts, and a stuck one by
    muster's retry budget and lease keeper (:mod:`muster.worker.deliveries.lease`).
    """
    return apprise.AppriseAsset(async_mode=False, service_timeout=0)


class AppriseSender:
    """Sends through a fresh Apprise plugin object per send, with plugin throttling disabled,
    on the calling thread (the sending pool's: :func:`_on_the_calling_thread`), its HTTP
    requests on kept-alive connections (:mod:`muster.channels.http_sessions`).

    The plugin is built from Apprise's parse of the URL, kept per URL; it goes in an Apprise
    container holding only it, for the send's own log entries; each thread reuses its
    container (emptied before each send), because building an Apprise object looks up its
    translations on disk every time. ``connections`` is how many sends can be on the wire at
    once (the sending pool's threads): the idle connections kept per host.
    """

    def __init__(
        self,
        secrets: frozenset[str] = frozenset(),
        timeout: float = 10.0,
        connections: int = DEFAULT_CONNECTIONS,
    ) -> None:
        self.secrets = secrets
        self.timeout = timeout
        self._containers = threading.local()
        self._asset = _on_the_calling_thread()
        self._kept_alive = KeptAlive(per_host=connections)
        tame_apprise_logging()
        share_smtp_certificates()

    def _container(self) -> apprise.Apprise:
        container: apprise.Apprise | None = getattr(self._containers, "apprise", None)
        if container is None:
            container = self._containers.apprise = apprise.Apprise(asset=self._asset)
        container.clear()
        return container

    def __call__(self, url: str, message: RenderedMessage) -> SendResult:
        started = time.monotonic()
        parsed = _parsed(url)
        plugin = (
            apprise.Apprise.instantiate(
                copy.deepcopy(parsed), asset=self._asset, suppress_exceptions=True
            )
            if parsed is not None
            else None
        )
        if plugin is None:
            return SendResult(
                ok=False,
                retryable=False,
                error="invalid-url: Apprise cannot parse "
                f"the contact URL {mask_text(url, self.secrets)}",
            )
        _no_throttle(plugin)
        targets = self._container()
        targets.add(plugin)
        try:
            with watching() as answers, self._kept_alive.sending():
                result = targets.notify(
                    body=message.body or " ",
                    title=message.title,
                    body_format=_FORMATS.get(message.body_format),
                )
        except Exception as failure:  # noqa: BLE001 - a plugin bug must not kill the worker
            return self._failed(started, True, f"exception: {type(failure).__name__}")
        elapsed = int((time.monotonic() - started) * 1000)
        if result:
            return SendResult(ok=True, duration_ms=elapsed)
        lines = [str(entry) for entry in result.logs()]
        retryable, reason = classify(lines)
        last = answers[-1] if answers else None
        return SendResult(
            ok=False,
            retryable=retryable,
            duration_ms=elapsed,
            error=mask_text(reason, self.secrets | {url}),
            retry_after=last.retry_after_seconds(datetime.now(UTC)) if last else None,
        )

    def _failed(self, started: float, retryable: bool, reason: str) -> SendResult:
        return SendResult(
            ok=False,
            retryable=retryable,
            error=reason,
            duration_ms=int((time.monotonic() - started) * 1000),
        )


def classify(log_lines: list[str]) -> tuple[bool, str]:
    """From Apprise's log lines for a failed send: (retryable, a short reason)."""
    text = " ".join(log_lines)
    statuses = [int(code) for code in _HTTP_STATUS.findall(text)]
    detail = _last_warning(log_lines)
    if statuses:
        status = statuses[-1]
        transient = status >= 500 or status in _TRANSIENT_HTTP
        return transient, f"http-{status}: {detail}"
    if _TRANSIENT_WORDS.search(text):
        return True, f"connection: {detail}"
    return True, f"unknown: {detail or 'the plugin reported failure without a reason'}"


def _last_warning(lines: list[str]) -> str:
    for line in reversed(lines):
        if " - WARNING - " in line or " - ERROR - " in line:
            return line.split(" - ", 2)[-1].strip()[:300]
    return lines[-1].split(" - ", 2)[-1].strip()[:300] if lines else ""


@functools.lru_cache(maxsize=4096)
def _parsed(url: str) -> dict[str, Any] | None:
    """Apprise's parse of a target URL, kept: parsing is most of the cost of building a plugin,
    and a worker sends to the same few hundred URLs all day. Each send gets its own copy."""
    parsed: dict[str, Any] | None = apprise.plugins.url_to_dict(  # type: ignore[no-untyped-call]
        url, secure_logging=True
    )
    return parsed


def _no_throttle(plugin: Any) -> None:
    # Many plugins sleep seconds between requests on one object; each page is its own object
    # and retries are paced by tenacity, so the plugin's own throttle only adds latency.
    plugin.request_rate_per_sec = 0
