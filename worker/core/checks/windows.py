"""Maintenance windows that are wrong or pointless: too long (an error), or holding nothing,
over, or never occurring (warnings).

The length is checked here rather than in the model because it relates a window to
``maintenance.max_length`` and, for wall-clock times, to its zone; the warnings need the
instant they are true at, which the caller passes in.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from itertools import pairwise

from muster.worker.core.config.durations import format_duration
from muster.worker.core.config.issues import ConfigIssue, Path, error, warning
from muster.worker.core.config.maintenance import HoldScope, Window
from muster.worker.core.config.matchers import compile_matcher
from muster.worker.core.config.model import RoutingConfig
from muster.worker.core.config.recurrence import FOLLOWED_YEARS, place
from muster.worker.core.decisions.windows import window_next_boundary, window_zone

_CHECKED = 400


def _path(name: str, *rest: str) -> Path:
    return ("maintenance", "windows", name, *rest)


def window_errors(config: RoutingConfig) -> list[ConfigIssue]:
    """An error for each window longer than ``maintenance.max_length``, or recurring without a
    break (its occurrences overlapping or meeting: a hold with no end)."""
    longest = config.maintenance.max_length
    issues = []
    for name, window in config.maintenance.windows.items():
        zone = window_zone(config, window)
        unbroken = _unbroken(window, zone)
        if unbroken is not None:
            issues.append(error(_path(name, "duration"), unbroken))
        if window.duration is not None:
            length, key = window.duration, "duration"
        elif window.end is not None:
            length, key = place(window.end, zone) - place(window.start, zone), "end"
        else:
            continue
        if length > longest:
            issues.append(
                error(
                    _path(name, key),
                    f"the window lasts {format_duration(length)}, longer than"
                    f" maintenance.max_length ({format_duration(longest)}): shorten it, or raise"
                    " max_length if it is meant",
                )
            )
    return issues


def _unbroken(window: Window, zone: tzinfo) -> str | None:
    """Why the first :data:`_CHECKED` occurrences (a year of a daily rule, DST days included)
    leave no break between two of them, if they do."""
    if window.rule is None or window.duration is None:
        return None
    rule, _ = window.rule
    starts = [place(wall, zone) for wall in rule.first_walls(_CHECKED)]
    for earlier, later in pairwise(sorted(set(starts))):  # a skipped time may meet the next
        if later <= earlier + window.duration:
            return (
                f"each occurrence lasts {format_duration(window.duration)} but the one of"
                f" {later.isoformat()} starts {format_duration(later - earlier)} after the one"
                " before: the window would hold without a break; shorten the duration"
            )
    return None


def window_warnings(config: RoutingConfig, now: datetime) -> list[ConfigIssue]:
    """A warning for each window that can hold nothing, is over at ``now``, or never occurs;
    and if a silence may last longer than a window."""
    issues = _silences_outlast_windows(config)
    for name, window in config.maintenance.windows.items():
        issues += _holds_nothing(config, name, window.scope)
        issues += _timing(config, name, window, now)
    return issues


def _silences_outlast_windows(config: RoutingConfig) -> list[ConfigIssue]:
    """A silence is added at run time by one person, unreviewed: one that may outlast the
    longest reviewed window turns planned work into a silence to avoid the review."""
    maintenance = config.maintenance
    if maintenance.silence_max_length <= maintenance.max_length:
        return []
    return [
        warning(
            ("maintenance", "silence_max_length"),
            f"a silence may last {format_duration(maintenance.silence_max_length)}, longer than"
            f" a window (max_length {format_duration(maintenance.max_length)}): planned work"
            " that long belongs in a window",
        )
    ]


def _holds_nothing(config: RoutingConfig, name: str, scope: HoldScope) -> list[ConfigIssue]:
    issues = []
    for label in scope.match.keys() & scope.match_re.keys():
        if compile_matcher(scope.match_re[label]).fullmatch(scope.match[label]) is None:
            issues.append(
                warning(
                    _path(name, "scope", "match_re", label),
                    f"holds nothing: no {label!r} label both equals {scope.match[label]!r} and"
                    f" matches {scope.match_re[label]!r}",
                )
            )
    chosen = {level for row in config.severity.matrix.values() for level in row.values()}
    if scope.severities and not chosen & set(scope.severities):
        issues.append(
            warning(
                _path(name, "scope", "severities"),
                f"holds nothing: severity.matrix never chooses {', '.join(scope.severities)}",
            )
        )
    return issues


def _timing(config: RoutingConfig, name: str, window: Window, now: datetime) -> list[ConfigIssue]:
    zone = window_zone(config, window)
    if window.rule is not None:
        rule, until_utc = window.rule
        first = rule.first_walls(1)
        if not first or (until_utc is not None and place(first[0], zone) > until_utc):
            return [
                warning(
                    _path(name, "recurrence"),
                    f"never occurs: the rule has no occurrence in the {FOLLOWED_YEARS} years"
                    " from its start",
                )
            ]
    if window_next_boundary(name, window, zone, now) is None:
        return [warning(_path(name), f"is over at {now.isoformat()}: remove it")]
    return []
