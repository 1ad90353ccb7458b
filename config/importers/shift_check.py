"""Imported rotations against the source's own final shifts: every difference, merged.

Over the feed's range, each stretch where the source had someone on call and muster would page
someone else is a mismatch — the import is wrong there. A stretch where the source had nobody
and muster has a holder is a gap muster fills (a restricted rotation's holder stays on call):
listed, not a failure. Pure: a compiled rotation and feed events in, plain data out.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import pairwise

from muster.config.importers.feeds import FeedEvent, read_feed
from muster.config.importers.sources import SourceError
from muster.worker.core.paging.rotations import CompiledRotation
from muster.worker.core.paging.routing import Routing


@dataclass(frozen=True, slots=True)
class Difference:
    """From ``starts`` until ``ends``: whom the source had on call, and whom muster has."""

    starts: datetime
    ends: datetime
    source: tuple[str, ...]  # person names; empty: nobody
    muster: str | None

    def __str__(self) -> str:
        span = f"{self.starts:%Y-%m-%d %H:%M} → {self.ends:%Y-%m-%d %H:%M} UTC"
        had = ", ".join(self.source) or "nobody"
        return f"{span}: source {had}, muster {self.muster or 'nobody'}"


@dataclass
class ShiftCheck:
    """The comparison of one rotation with one feed."""

    rotation: str
    feed: str
    starts: datetime | None = None
    ends: datetime | None = None
    mismatches: list[Difference] = field(default_factory=list)
    gaps: list[Difference] = field(default_factory=list)
    unknown: set[str] = field(default_factory=set)  # feed names that are nobody imported

    def render(self, limit: int = 20) -> str:
        """The check's lines: a summary, then the mismatches and gaps (``limit`` of each)."""
        if self.starts is None or self.ends is None:
            return f"shifts {self.rotation} vs {self.feed}: the feed has no events"
        span = f"{self.starts:%Y-%m-%d} → {self.ends:%Y-%m-%d}"
        head = (
            f"shifts {self.rotation} vs {self.feed} ({span}): {len(self.mismatches)} mismatches,"
            f" {len(self.gaps)} gaps muster fills"
        )
        lines = [head]
        for mark, found in (("❌", self.mismatches), ("⚠️", self.gaps)):
            lines += [f"  {mark} {difference}" for difference in found[:limit]]
            if len(found) > limit:
                lines.append(f"  … and {len(found) - limit} more")
        if self.unknown:
            lines.append(
                f"  ⚠️ the feed names people not imported: {', '.join(sorted(self.unknown))}"
            )
        return "\n".join(lines)


def check_shifts(
    rotation: CompiledRotation,
    events: Sequence[FeedEvent],
    person: Callable[[str], str | None],
    feed: str,
    within: tuple[datetime, datetime] | None = None,
) -> ShiftCheck:
    """Compare ``rotation`` with the feed's ``events`` over the feed's range (cut to ``within``,
    the import's horizon, when given); ``person`` maps a feed's name for someone to theirs."""
    check = ShiftCheck(rotation=rotation.name, feed=feed)
    if not events:
        return check
    starts, ends = min(e.starts for e in events), max(e.ends for e in events)
    if within is not None:
        starts, ends = max(starts, within[0]), min(ends, within[1])
        if ends <= starts:
            return check
    check.starts, check.ends = starts, ends
    edges = {starts, ends, *rotation.changes_between(starts, ends)}
    for event in events:
        edges |= {event.starts, event.ends}
    ordered = sorted(edge for edge in edges if starts <= edge <= ends)
    for begin, finish in pairwise(ordered):
        names = []
        for event in events:
            if event.starts <= begin < event.ends:
                name = person(event.who)
                if name is None:
                    check.unknown.add(event.who)
                names.append(name or event.who)
        holder = rotation.on_call(begin)
        if names and holder in names:
            continue
        target = check.mismatches if names else check.gaps
        difference = Difference(begin, finish, tuple(sorted(set(names))), holder)
        last = target[-1] if target else None
        if (
            last
            and last.ends == begin
            and (last.source, last.muster)
            == (
                difference.source,
                difference.muster,
            )
        ):
            target[-1] = Difference(last.starts, finish, last.source, last.muster)
        else:
            target.append(difference)
    return check


def check_imported(
    routing: Routing,
    rotation_names: Mapping[str, str],
    person_names: Mapping[str, str],
    feeds: Sequence[tuple[str | None, str, str]],
    within: tuple[datetime, datetime] | None = None,
) -> list[ShiftCheck]:
    """Each feed — (rotation or None, its file name, its text) — against the imported config;
    a feed without a rotation named is matched by its calendar name to an imported schedule."""
    checks = []
    for rotation, source, text in feeds:
        feed = read_feed(text, source)
        name = rotation or rotation_names.get(feed.name or "")
        if name is None:
            which = f"its calendar name {feed.name!r} is" if feed.name else "it names"
            raise SourceError(
                f"{source}: {which} no imported schedule: name the rotation, ROTATION=FEED"
            )
        if name not in routing.rotations:
            raise SourceError(f"{source}: no rotation {name!r} was imported")
        check = check_shifts(
            routing.rotations[name],
            feed.events,
            lambda who: person_names.get(who.lower()),
            source,
            within,
        )
        if feed.recurring:
            check.unknown.add(f"({feed.recurring} recurring events not expanded)")
        checks.append(check)
    return checks
