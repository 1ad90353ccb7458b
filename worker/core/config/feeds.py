"""Calendar feeds over the web: where they are served, the key their links are signed with,
and the links revoked.

A feed link (``muster calendar link``) is a credential of a small kind: it reads one person's
or one rotation's shifts, nothing else. A link sent to the wrong place is revoked by listing
its id (printed with it) under ``revoked``; changing ``secret`` revokes every link at once.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

from pydantic import Field, StringConstraints

from muster.worker.core.config.fields import Strict

FeedId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{12}$")]


class CalendarFeeds(Strict):
    """``calendar:`` in the routing config: the public base URL (``https://…``; feeds are
    ``URL/calendar/TOKEN.ics``), the signing secret, and revoked link ids."""

    url: Annotated[str, StringConstraints(pattern=r"^https?://\S+$")]
    secret: Annotated[str, StringConstraints(min_length=16)]
    revoked: list[FeedId] = Field(default_factory=list)

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        yield "url", self.url
        yield "secret", "****"
        yield "revoked", self.revoked
