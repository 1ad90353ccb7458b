"""``muster calendar export``: final shifts as an iCalendar file (a person's, a rotation's, or
everyone's) and as a CSV for payroll, from the config (and, from a past ``--from``, the
overrides pruned from its file, :mod:`muster.worker.cli.override_history`): no web server.
The format is :mod:`muster.worker.core.rendering.calendar`'s."""

from __future__ import annotations

import csv
import io
import sys
from datetime import UTC, datetime
from pathlib import Path

import click

from muster.worker.cli.common import CONFIG_OPTION, load_or_exit, parse_at


@click.group("calendar")
def calendar() -> None:
    """On-call shifts for calendars and payroll."""


@calendar.command("export")
@click.option("--person", default=None, help="Only this person's shifts, in every rotation.")
@click.option("--rotation", default=None, help="Only this rotation's shifts (gaps included).")
@click.option(
    "--from",
    "from_text",
    default=None,
    help="Where the calendar starts: RFC 3339, a config-timezone wall time, or now (default).",
)
@click.option(
    "--months",
    type=click.IntRange(1, 13),
    default=12,
    show_default=True,
    help="How far ahead.",
)
@click.option(
    "--ics",
    "ics_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the iCalendar (.ics) here ('-': stdout; the default when --csv is not given).",
)
@click.option(
    "--csv",
    "csv_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write payroll's CSV here ('-': stdout): person, name, rotation, held_for, start, end, "
    "hours, override; each shift clipped to the range.",
)
@CONFIG_OPTION
def export(
    person: str | None,
    rotation: str | None,
    from_text: str | None,
    months: int,
    ics_file: Path | None,
    csv_file: Path | None,
    config_file: Path | None,
) -> None:
    """Export final shifts as an iCalendar file and a CSV for payroll."""
    from muster.worker.cli.override_history import reaches_past, with_pruned
    from muster.worker.core.paging.duties import (
        final_shifts,
        listing_problem,
        narrowed,
        rotations_of,
    )
    from muster.worker.core.paging.shifts import REACH
    from muster.worker.core.rendering.calendar import (
        CSV_HEADER,
        calendar_events,
        horizon,
        ics,
        payroll_rows,
    )

    if person is not None and rotation is not None:
        raise click.UsageError("give --person or --rotation, not both")
    loaded = load_or_exit(config_file)
    routing = loaded.routing
    if rotation is not None and rotation not in routing.rotations:
        known = ", ".join(routing.rotations) or "none"
        raise click.UsageError(f"no rotation {rotation!r}: the config defines {known}")
    start = parse_at(from_text, loaded, "--from")
    end = horizon(start, months)
    problem = listing_problem(routing.config, start, end, person=person)
    if problem is not None:
        raise click.UsageError(problem)
    if reaches_past(from_text, start):
        routing = with_pruned(routing, start - REACH, "calendar export")
    chosen = None if rotation is None else frozenset({rotation})
    if person is not None:
        chosen = rotations_of(routing, person)
    duties = narrowed(final_shifts(routing, start, end, rotations=chosen), person=person)
    if person is not None:
        # A person's calendar shows their shifts; a gap is nobody's.
        duties = tuple(duty for duty in duties if duty.shifts)
    name = f"On call: {person or rotation or 'every rotation'} (muster)"
    if ics_file is not None or csv_file is None:
        events = calendar_events(routing, duties, start, end)
        _write(ics_file, ics(events, name, datetime.now(UTC)))
    if csv_file is not None:
        text = io.StringIO()
        writer = csv.writer(text, lineterminator="\r\n")
        writer.writerow(CSV_HEADER)
        writer.writerows(payroll_rows(routing, duties, start, end, routing.config.zone))
        _write(csv_file, text.getvalue().encode())


def _write(path: Path | None, content: bytes) -> None:
    """``content`` to ``path``, or to stdout for None or ``-``; an unwritable path is one line."""
    if path is None or str(path) == "-":
        sys.stdout.buffer.write(content)
        sys.stdout.buffer.flush()
        return
    try:
        path.write_bytes(content)
    except OSError as failed:
        raise click.UsageError(f"cannot write {path}: {failed.strerror}") from None


@calendar.command("link")
@click.argument("person", required=False)
@click.option("--rotation", default=None, help="A feed of this rotation's shifts instead.")
@CONFIG_OPTION
def link(person: str | None, rotation: str | None, config_file: Path | None) -> None:
    """Print a signed feed link to PERSON's shifts (or a rotation's) and its id for revoking."""
    from muster.worker.core.intake.feed_tokens import FeedKind, feed_id, sign

    if (person is None) == (rotation is None):
        raise click.UsageError("give PERSON or --rotation R (one of them)")
    loaded = load_or_exit(config_file)
    config = loaded.routing.config
    if config.calendar is None:
        click.echo(
            "muster calendar link: the config has no calendar: section (url, secret)", err=True
        )
        raise SystemExit(1)
    kind, subject = FeedKind.PERSON, person or ""
    if rotation is not None:
        kind, subject = FeedKind.ROTATION, rotation
    known = config.people if kind is FeedKind.PERSON else config.rotations
    if subject not in known:
        raise click.UsageError(
            f"no {kind.value} {subject!r}: the config defines {', '.join(sorted(known))}"
        )
    token = sign(config.calendar.secret, kind, subject, datetime.now(UTC))
    click.echo(f"{config.calendar.url.rstrip('/')}/calendar/{token}.ics")
    click.echo(f"id {feed_id(token)} (revoke: add it to calendar.revoked)", err=True)
