"""Storm control, decided: which pages go now and which are held for a window's digest.

Per person and contact kind, a window opens with the first counted page and lasts the limit's
``per``; it sends at most ``max`` pages. A page beyond that is *held*; at the window's end one
digest carries every incident held in it, and that digest opens the next window, counting as its
first page. While a digest is due (held pages waiting for it) every further page is held for
it too, so a window never sends more than ``max`` and a held page is in exactly one digest.

The first page of a new incident at the highest severity is never held: it bypasses the limit
(neither held nor counted). Plain data and arithmetic only; the worker keeps a :class:`Window` per
person and kind in the database and decides under its row lock.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime

from muster.worker.core.config.limits import Limit


@dataclass(frozen=True, slots=True)
class Window:
    """One person's pages by one kind in the current window: how many sent, how many held."""

    opened_at: datetime | None = None
    closes_at: datetime | None = None
    sent: int = 0
    held: int = 0

    @property
    def digest_due(self) -> datetime | None:
        """When this window's digest is due (held pages wait for it), if any are held."""
        return self.closes_at if self.held and self.closes_at is not None else None


@dataclass(frozen=True, slots=True)
class Verdict:
    """What happens to one page: sent now, or held for the digest."""

    send: bool
    bypassed: bool = False  # a top-severity first page, outside the limit


def admit(window: Window, limit: Limit | None, now: datetime) -> tuple[Window, Verdict]:
    """One counted page at ``now``: the window after it, and whether it goes now."""
    if limit is None:
        return window, Verdict(send=True)
    if window.held:
        return replace(window, held=window.held + 1), Verdict(send=False)
    if window.closes_at is None or now >= window.closes_at:
        return Window(now, now + limit.per, sent=1), Verdict(send=True)
    if window.sent < limit.max:
        return replace(window, sent=window.sent + 1), Verdict(send=True)
    return replace(window, held=1), Verdict(send=False)


def decide(
    window: Window, limit: Limit | None, bypass: Iterable[bool], now: datetime
) -> tuple[Window, list[Verdict]]:
    """Pages arriving together, in order (``bypass``: each is a top-severity first page)."""
    verdicts = []
    for bypassed in bypass:
        if bypassed:
            verdicts.append(Verdict(send=True, bypassed=True))
            continue
        window, verdict = admit(window, limit, now)
        verdicts.append(verdict)
    return window, verdicts


def after_digest(limit: Limit | None, now: datetime) -> Window:
    """The window a digest sent at ``now`` opens: it counts as that window's first page."""
    if limit is None:
        return Window()
    return Window(now, now + limit.per, sent=1)


def bypasses(rank: int, first_page: bool) -> bool:
    """Whether a page skips the limit: the first page of an incident at the highest severity
    (``rank`` 0, the first of ``severity.levels``)."""
    return first_page and rank == 0


@dataclass(frozen=True, slots=True)
class Folded:
    """An incident held for a digest, as the digest lists it."""

    incident_id: str
    severity: str
    rank: int  # of the severity: 0 is the highest
    title: str
    state: str
    held_at: datetime


def digest_items(held: Iterable[Folded]) -> list[Folded]:
    """Each incident once, in the order it was first held (several pages of one incident — the
    plan's, an escalation's — fold into one line)."""
    seen: dict[str, Folded] = {}
    for item in sorted(held, key=lambda item: item.held_at):
        seen.setdefault(item.incident_id, item)
    return list(seen.values())
