"""What the HTTP peer of a send answered, for what Apprise does not pass on: ``Retry-After``.

Apprise's plugins call ``requests`` themselves and report only True/False and a log line with
the status; the response, and its headers, stay inside the plugin. Every ``requests`` call, made
through ``requests.request`` or a session of the plugin's own, ends in ``HTTPAdapter.send``, so
that is where the answers are observed: wrapped once per process, the wrapper hands each response
to the send watching in the current context (a context variable: each sending thread has its own,
and Apprise copies the caller's context into the threads it sends on) and is a plain pass-through
for everything else.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from requests import PreparedRequest, Response
from requests.adapters import HTTPAdapter

# The statuses whose Retry-After says when to try again (RFC 9110 §10.2.3).
RETRY_AFTER_STATUSES = frozenset({429, 503})

_MARK = "_muster_watched"
_install_lock = threading.Lock()


@dataclass(frozen=True, slots=True)
class Answer:
    """One HTTP response a send got: its status and the headers muster reads."""

    status: int
    retry_after: str | None = None
    date: str | None = None

    def retry_after_seconds(self, now: datetime) -> float | None:
        """How long the peer asked to be left alone, if this answer asked."""
        if self.status not in RETRY_AFTER_STATUSES or not self.retry_after:
            return None
        return retry_after_seconds(self.retry_after, self.date, now)


_watching: ContextVar[list[Answer] | None] = ContextVar("muster_http_answers", default=None)


@contextmanager
def watching() -> Iterator[list[Answer]]:
    """The HTTP answers of what runs inside, in order, as a list filled while it runs."""
    _install()
    answers: list[Answer] = []
    token = _watching.set(answers)
    try:
        yield answers
    finally:
        _watching.reset(token)


def retry_after_seconds(value: str, date: str | None, now: datetime) -> float | None:
    """A ``Retry-After`` value in seconds: a number of seconds, or an HTTP date counted from the
    answer's own ``Date`` (so the peer's clock and ours need not agree), else from ``now``.
    None if it is neither."""
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:
        return seconds if math.isfinite(seconds) and seconds >= 0 else None
    when = _http_date(text)
    if when is None:
        return None
    since = _http_date(date) if date else None
    return max(0.0, (when - (since or now)).total_seconds())


def _http_date(text: str) -> datetime | None:
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def _install() -> None:
    with _install_lock:
        if getattr(HTTPAdapter.send, _MARK, False):
            return
        original = HTTPAdapter.send

        def send(
            self: HTTPAdapter, request: PreparedRequest, *args: Any, **kwargs: Any
        ) -> Response:
            response = original(self, request, *args, **kwargs)
            answers = _watching.get()
            if answers is not None:
                headers = response.headers
                answers.append(
                    Answer(response.status_code, headers.get("Retry-After"), headers.get("Date"))
                )
            return response

        setattr(send, _MARK, True)
        HTTPAdapter.send = send  # type: ignore[method-assign]
