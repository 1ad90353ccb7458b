"""The routing config's building blocks: field types and base models every section shares.

Kept apart from the sections themselves so that a section in a module of its own (the intake's)
and the whole document can both use them without importing each other.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    PlainSerializer,
    StringConstraints,
)

from muster.worker.core.config.durations import (
    Handoff,
    format_duration,
    parse_duration,
    parse_handoff,
)
from muster.worker.core.config.masking import mask_url

LONGEST = timedelta(weeks=520)
"""Ten years: longer than any config means, short enough that a time it is added to (a due
time, a rotation's next handoff) stays within the calendar."""

FIRST_YEAR, LAST_YEAR = 1900, 9000
"""Dates and times a config may name: arithmetic on them (time zones, turns) stays in range."""


def _to_duration(value: Any) -> Any:
    if isinstance(value, str):
        return parse_duration(value)
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a duration: write e.g. 5m or 1h30m")
    if isinstance(value, int | float):
        raise ValueError(f"{value!r} has no unit: write e.g. {value}m or {value}s")
    return value


def _not_too_long(value: timedelta) -> timedelta:
    if value > LONGEST:
        raise ValueError(
            f"{format_duration(value)} is too long a duration: at most {format_duration(LONGEST)}"
        )
    return value


def _in_calendar(value: date) -> date:
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValueError(
            f"{value.isoformat()} is not between the years {FIRST_YEAR} and {LAST_YEAR}"
        )
    return value


def _no_number(value: Any) -> Any:
    if isinstance(value, int | float | bool):
        raise ValueError(f"{value!r} is not a time: write e.g. 2026-12-24T09:00")
    return value


def _to_handoff(value: Any) -> Any:
    if isinstance(value, str):
        return parse_handoff(value)
    if isinstance(value, int) and not isinstance(value, bool):
        # YAML 1.1 reads an unquoted 09:00 as sexagesimal 540: recover the clock it meant.
        hours, minutes = divmod(value, 60)
        return parse_handoff(f"{hours:02d}:{minutes:02d}")
    return value


def _check_zone(name: str) -> str:
    # A name is looked up as a file (the system's zoneinfo, then the tzdata package): one longer
    # than a file name may be is an OSError there, not "not found", and still just a bad name.
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(
            f"unknown timezone {name!r}: use an IANA name like Europe/Dublin"
        ) from None
    return name


Duration = Annotated[
    timedelta,
    BeforeValidator(_to_duration),
    AfterValidator(_not_too_long),
    PlainSerializer(format_duration, return_type=str),
]
HandoffTime = Annotated[
    Handoff, BeforeValidator(_to_handoff), PlainSerializer(str, return_type=str)
]
Name = Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9._-]+$")]
Text = Annotated[str, StringConstraints(min_length=1, max_length=2000)]
TimezoneName = Annotated[str, AfterValidator(_check_zone)]
Instant = Annotated[datetime, BeforeValidator(_no_number), AfterValidator(_in_calendar)]
Day = Annotated[date, AfterValidator(_in_calendar)]


class MaskedRepr(BaseModel):
    """A model whose repr masks URLs: contact templates and rooms carry filled-in secrets."""

    # Validators are built when first used, not at import: validating a whole config builds one
    # for the document (its sections' schemas inside it), not one per section model as well,
    # and a command that never reads the config builds none (issue 19).
    model_config = ConfigDict(defer_build=True)

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        for name, value in super().__repr_args__():
            yield name, mask_url(value) if isinstance(value, str) and "://" in value else value


class Strict(MaskedRepr):
    """Unknown keys are errors: a misspelt ``escalte_to`` must not be silently ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)
