"""The ``maintenance`` section: planned windows in which matching incidents page nobody.

A window names what it holds (:class:`HoldScope`: services, alert labels, severities, or any
combination) and when: a ``start`` and a mandatory ``end``, or a ``start`` and a ``recurrence``
(:mod:`.recurrence`) with a ``duration``. Times without an offset are wall-clock times in the
window's ``timezone``, else the config's. What a window does at run time is decided in
:mod:`muster.worker.core.decisions.windows`; names the window uses are checked with the other
cross-references, and its length against ``max_length`` in :mod:`muster.worker.core.checks.windows`.

``max_length`` defaults to three days: a weekend's migration (Friday evening to Monday morning)
fits, and a window of weeks, almost always a mistyped date (VA.gov's incident), is refused until
someone raises the limit on purpose.

``silence_max_length`` defaults to one day: a silence is what the on-call person adds at 3 a.m.
for the night's work (a reindex, a failover and its morning after) without a config deploy;
anything longer is planned work, which belongs in a reviewed window. Every silence has an
expiry within it, so a forgotten one (Alertmanager's post-mortem theme) is gone by the next
day's shift. A silence longer than ``silence_remind_after`` (12 hours: longer than a night)
reminds its author, once, that it still holds, when it has held that long. A window occurrence
longer than ``remind_after`` (12 hours too) reminds the window's ``author`` the same way: a
window is reviewed before it starts, but the work it was planned for may be over early.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import cached_property
from typing import Literal

from pydantic import Field, model_validator

from muster.worker.core.config.fields import Duration, Instant, Name, Strict, Text, TimezoneName
from muster.worker.core.config.matchers import LabelMatchers
from muster.worker.core.config.recurrence import FollowedRule, Recurrence, compile_rule

Existing = Literal["keep", "pause"]
"""What happens to an incident's escalations that began before the window: kept, or paused."""
OnEnd = Literal["page", "nothing"]
"""What happens, when the window ends, to the open incidents it held: paged afresh, or nothing."""
KEEP: Existing = "keep"
PAUSE: Existing = "pause"
PAGE: OnEnd = "page"
NOTHING: OnEnd = "nothing"
MAX_LENGTH = timedelta(days=3)
SILENCE_MAX_LENGTH = timedelta(days=1)
SILENCE_REMIND_AFTER = timedelta(hours=12)
REMIND_AFTER = timedelta(hours=12)


class HoldScope(LabelMatchers):
    """What a window (or, at run time, a silence) holds: an incident matches when each part
    given matches: all its services among ``services``, its labels by the matchers, its
    severity among ``severities``."""

    services: list[Name] = Field(default_factory=list)
    severities: list[Name] = Field(default_factory=list)

    @model_validator(mode="after")
    def _names_something(self) -> HoldScope:
        if not (self.services or self.severities or self.has_matchers):
            raise ValueError(
                "a scope needs services, match, match_re or severities: a window holding"
                " everything would silence every page"
            )
        return self

    def covers(self, services: tuple[str, ...], labels: dict[str, str], severity: str) -> bool:
        """Whether an incident of these services, labels and severity is in scope.

        Every service must be in scope, not one: planned work on one service must not hide
        that another is down too.
        """
        if self.services and not (services and set(services) <= set(self.services)):
            return False
        if self.severities and severity not in self.severities:
            return False
        return self.matches(labels)


class Window(Strict):
    """One planned window: why, what it holds, when, and what it does to pages around it."""

    reason: Text
    scope: HoldScope
    start: Instant
    end: Instant | None = None
    recurrence: Recurrence | None = None
    duration: Duration | None = None
    timezone: TimezoneName | None = None
    existing: Existing = KEEP
    on_end: OnEnd = PAGE
    author: Name | None = None  # a person of the config: who planned it, named on its holds

    @model_validator(mode="after")
    def _one_time(self) -> Window:
        if self.recurrence is None:
            if self.end is None:
                raise ValueError("a window needs an end (or a recurrence and a duration)")
            if self.duration is not None:
                raise ValueError("duration goes with recurrence; a one-off window has an end")
            if (self.start.tzinfo is None) != (self.end.tzinfo is None):
                raise ValueError("start and end must both have an offset or both be local times")
            if self.end <= self.start:
                raise ValueError("end must be after start")
        else:
            if self.end is not None:
                raise ValueError("a recurring window has a duration, not an end")
            if self.duration is None:
                raise ValueError("a recurring window needs a duration")
            if self.start.tzinfo is not None:
                raise ValueError(
                    "a recurring window's start is a wall-clock time: drop the offset and set"
                    " timezone"
                )
        return self

    @cached_property
    def rule(self) -> tuple[FollowedRule, datetime | None] | None:
        """The recurrence compiled once (None for a one-off window), with its UTC ``UNTIL``."""
        if self.recurrence is None:
            return None
        return compile_rule(self.recurrence, self.start)


class Maintenance(Strict):
    """Every planned window, the longest one (and a silence) may last, and when a long one
    (or a long silence) reminds its author."""

    max_length: Duration = MAX_LENGTH
    silence_max_length: Duration = SILENCE_MAX_LENGTH
    silence_remind_after: Duration = SILENCE_REMIND_AFTER
    remind_after: Duration = REMIND_AFTER
    windows: dict[Name, Window] = Field(default_factory=dict)
