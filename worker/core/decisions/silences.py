"""Silences: holds added at run time by a person, without a config deploy.

A silence is a :class:`~muster.worker.core.config.maintenance.HoldScope` (the same vocabulary as
a window's), a start and a mandatory end within ``maintenance.silence_max_length``, an author
and a reason. The CLI (``muster silence add``) and the web (``POST /v1/silences``) both build
one here, from the same fields and with the same refusals, so a silence means the same whichever
way it came in; the store keeps it and turns it into a :class:`~.holds.Hold` (:meth:`Silence.
hold`) like a window's occurrence.

An expired silence (ended early by ``muster silence expire``) ends at its expiry: the hold's end
moves earlier, and whoever reads holds sees it ended there, as if it had been planned so.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import ValidationError

from muster.worker.core.config.durations import format_duration, parse_duration
from muster.worker.core.config.maintenance import HoldScope
from muster.worker.core.config.model import RoutingConfig
from muster.worker.core.decisions.holds import SILENCE, Hold

SilenceState = Literal["pending", "active", "ended", "expired"]
PENDING: SilenceState = "pending"  # starts later
ACTIVE: SilenceState = "active"
ENDED: SilenceState = "ended"  # reached its end
EXPIRED: SilenceState = "expired"  # ended early, by a person

Expiry = Literal["expired", "unknown", "over"]
"""What expiring a silence by its id did (here, not in the store, for the web to name before it
has imported SQLAlchemy)."""
EXPIRED_NOW: Expiry = "expired"
UNKNOWN: Expiry = "unknown"  # no silence has that id
OVER: Expiry = "over"  # it had ended (or been expired) already

ID_LENGTH = 8
"""Characters of a silence's id: typable at 3 a.m. (``muster silence expire 3f9c0a1b``), and
4 billion of them, so a collision is retried rather than expected."""
REASON_LENGTH = 500
AUTHOR_LENGTH = 100


class SilenceRefused(ValueError):
    """A silence that may not be added; the message says why, in one line (no value echoed
    but the caller's own names)."""


@dataclass(frozen=True, slots=True)
class Silence:
    """One silence as stored: what it holds, from when until when, who added it and why."""

    id: str
    scope: HoldScope
    starts: datetime  # aware
    ends: datetime  # aware: as added (an early expiry is ``expired_at``)
    author: str
    reason: str
    created_at: datetime
    source: str = "cli"  # ``cli``, or ``web:CALLER``
    expired_at: datetime | None = None
    expired_by: str | None = None

    @property
    def effective_end(self) -> datetime:
        """When it stops holding: its end, or its expiry if that came first."""
        if self.expired_at is not None and self.expired_at < self.ends:
            return self.expired_at
        return self.ends

    def state(self, at: datetime) -> SilenceState:
        """Whether it is to come, holding, or over (and how) at ``at``."""
        if at >= self.effective_end:
            return EXPIRED if self.effective_end < self.ends else ENDED
        return PENDING if at < self.starts else ACTIVE

    def hold(self) -> Hold:
        """The hold it is: named by its id, its reason saying whose and why (what a held
        incident's timeline shows). One expired before it began is an empty span at its
        expiry."""
        ends = self.effective_end
        return Hold(
            kind=SILENCE,
            name=self.id,
            reason=silence_reason(self.id, self.author, self.reason),
            scope=self.scope,
            starts=min(self.starts, ends),
            ends=ends,
        )


def not_over(silences: Iterable[Silence], at: datetime, everything: bool = False) -> list[Silence]:
    """Those of ``silences`` holding at ``at`` or to come (``everything``: all of them)."""
    return [s for s in silences if everything or s.effective_end > at]


def silence_reason(ident: str, author: str, reason: str) -> str:
    """``silence ab12cd34 by alice: reindex``: what a held page's timeline entry says."""
    return f"silence {ident} by {author}: {reason}"


def silence_scope(
    services: Iterable[str] = (),
    match: Mapping[str, str] | None = None,
    match_re: Mapping[str, str] | None = None,
    severities: Iterable[str] = (),
) -> HoldScope:
    """The scope of a silence from its parts, validated as a window's scope is (a regex RE2
    runs, names of the config's spelling); SilenceRefused if it names nothing or is invalid."""
    fields: dict[str, Any] = {
        "services": list(dict.fromkeys(services)),
        "match": dict(match or {}),
        "match_re": dict(match_re or {}),
        "severities": list(dict.fromkeys(severities)),
    }
    try:
        return HoldScope.model_validate(fields)
    except ValidationError as invalid:
        raise SilenceRefused(_first_problem(invalid)) from None


def _first_problem(invalid: ValidationError) -> str:
    detail = invalid.errors(include_input=False, include_url=False)[0]
    where = ".".join(str(part) for part in detail["loc"])
    message = str(detail["msg"]).removeprefix("Value error, ")
    if "a scope needs" in message:
        return (
            "a silence needs a scope: services, label matchers or severities (one holding"
            " everything would silence every page)"
        )
    return f"{where}: {message}" if where else message


def check_silence(
    config: RoutingConfig, scope: HoldScope, starts: datetime, ends: datetime, now: datetime
) -> None:
    """Refuse a silence the config cannot mean: a service or severity it does not define, an
    end not after its start or already past, or longer than ``silence_max_length``."""
    unknown = [service for service in scope.services if service not in config.services]
    if unknown:
        known = ", ".join(sorted(config.services))
        raise SilenceRefused(f"no service {unknown[0]!r}: the config defines {known}")
    levels = config.severity.levels
    unknown = [severity for severity in scope.severities if severity not in levels]
    if unknown:
        raise SilenceRefused(f"no severity {unknown[0]!r}: the config defines {', '.join(levels)}")
    if ends <= starts:
        raise SilenceRefused("its end must be after its start")
    if ends <= now:
        raise SilenceRefused("its end has passed already")
    longest = config.maintenance.silence_max_length
    if ends - starts > longest:
        raise SilenceRefused(
            f"a silence of {format_duration(ends - starts)} is longer than"
            f" maintenance.silence_max_length ({format_duration(longest)}): planned work"
            " that long belongs in a maintenance window"
        )


def silence_end(starts: datetime, ends: datetime | None, length: timedelta | None) -> datetime:
    """The end from ``--until`` or ``--for`` (exactly one): a silence without an expiry is
    refused."""
    if (ends is None) == (length is None):
        raise SilenceRefused(
            "a silence needs an expiry: give exactly one of for (2h) or until (a time)"
        )
    try:
        return ends if ends is not None else starts + (length or timedelta())
    except OverflowError:
        raise SilenceRefused("its end is out of the calendar") from None


def silence_length(text: str | None, name: str) -> timedelta | None:
    """A silence's length as given (``2h``; None: not given), or SilenceRefused naming
    ``name``, the option or field it came in."""
    if text is None:
        return None
    try:
        return parse_duration(text)
    except ValueError as invalid:
        raise SilenceRefused(f"{name}: {invalid}") from None


def check_text(author: str, reason: str) -> None:
    """Refuse an empty or overlong author or reason: both are shown wherever the silence is."""
    if not reason.strip():
        raise SilenceRefused("a silence needs a reason: what is being worked on")
    if len(reason) > REASON_LENGTH:
        raise SilenceRefused(f"the reason is longer than {REASON_LENGTH} characters")
    if not author.strip():
        raise SilenceRefused("a silence needs an author")
    if len(author) > AUTHOR_LENGTH:
        raise SilenceRefused(f"the author is longer than {AUTHOR_LENGTH} characters")


@dataclass(frozen=True, slots=True)
class Draft:
    """A silence as asked for, before the config judges it: its scope, its start (None: now),
    and its expiry as an end or a length."""

    scope: HoldScope
    author: str
    reason: str
    starts: datetime | None = None
    ends: datetime | None = None
    length: timedelta | None = None
    source: str = "cli"


def plan_silence(config: RoutingConfig, draft: Draft, now: datetime) -> Silence:
    """The silence ``draft`` asks for, judged against ``config`` at ``now`` (its id still
    empty: the store gives it one); SilenceRefused with the first reason it may not be."""
    check_text(draft.author, draft.reason)
    starts = draft.starts or now
    ends = silence_end(starts, draft.ends, draft.length)
    check_silence(config, draft.scope, starts, ends, now)
    return Silence(
        id="",
        scope=draft.scope,
        starts=starts,
        ends=ends,
        author=draft.author.strip(),
        reason=draft.reason.strip(),
        created_at=now,
        source=draft.source,
    )
