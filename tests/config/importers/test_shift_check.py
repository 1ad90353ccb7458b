"""``--check-shifts``: the imported rotations against the source's own calendar export of final
shifts — silent where they agree, every disagreement listed (and exit 1) where they do not."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import icalendar
import pytest
from click.testing import CliRunner

from muster.config.importers.feeds import read_feed
from muster.config.importers.grafana_oncall import import_documents, read_export
from muster.config.importers.people import PeopleTable
from muster.config.importers.shift_check import ShiftCheck, check_imported
from muster.config.importers.sources import SourceError, read_documents
from muster.config.importers.writer import render
from muster.config.loader import load_text
from muster.worker.cli import cli
from tests.harness import oncall_reference

FIXTURES = Path(__file__).parent / "fixtures"
TERRAFORM = FIXTURES / "oncall_payments_tf"
NOW = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)
STEP = timedelta(minutes=30)


def export_feed(
    schedule_name: str, swap: tuple[str, str] | None = None, now: datetime = NOW
) -> str:
    """OnCall's final-schedule export for a schedule, from the reference: 15 days back, six
    months on, one event per user per shift (``swap`` puts one user in another's place)."""
    export = read_export(read_documents([TERRAFORM]))
    schedule = next(s for s in export.schedules.values() if s.name == schedule_name)
    calendar = icalendar.Calendar()
    calendar.add("X-WR-CALNAME", schedule_name)
    at, end = now.replace(hour=0, minute=0) - timedelta(days=15), now + timedelta(days=180)
    segments: list[tuple[datetime, datetime, tuple[str, ...]]] = []
    while at < end:
        group = oncall_reference.on_call_group(export, schedule, at)
        names = tuple(export.users[user].username for user in group)
        if segments and segments[-1][2] == names and segments[-1][1] == at:
            segments[-1] = (segments[-1][0], at + STEP, names)
        elif names:
            segments.append((at, at + STEP, names))
        at += STEP
    for starts, ends, names in segments:
        for name in names:
            event = icalendar.Event()
            event.add("SUMMARY", swap[1] if swap and name == swap[0] else name)
            event.add("DTSTART", starts)
            event.add("DTEND", ends)
            calendar.add_component(event)
    return calendar.to_ical().decode()


def check(feed: str, rotation: str | None = None) -> ShiftCheck:
    imported = import_documents(read_documents([TERRAFORM]), PeopleTable(), NOW)
    routing = load_text(render(imported, "test"), "routing.yaml", environ={}).routing
    feeds = [(rotation, "feed.ics", feed)]
    return check_imported(
        routing, imported.rotation_names, imported.person_names, feeds, imported.horizon
    )[0]


def test_a_faithful_import_has_no_difference_with_the_sources_feed() -> None:
    """Layers, the holiday cover and a weekly handoff across the feed's six months."""
    found = check(export_feed("Payments primary"))
    assert found.rotation == "payments-primary"
    assert found.mismatches == []
    assert found.gaps == []


def test_a_restricted_rotation_lists_the_hours_muster_fills_but_no_mismatch() -> None:
    found = check(export_feed("Database"))
    assert found.mismatches == []
    assert found.gaps
    assert all(gap.source == () and gap.muster in ("carol", "dave") for gap in found.gaps)


def test_every_disagreement_is_listed_merged_into_stretches() -> None:
    found = check(export_feed("Payments secondary", swap=("erin", "alice")))
    assert found.mismatches
    assert all(m.source == ("alice",) and m.muster == "erin" for m in found.mismatches)
    assert all(m.ends - m.starts == timedelta(days=1) for m in found.mismatches[1:-1])


def test_a_feed_is_matched_by_its_calendar_name_or_named() -> None:
    feed = export_feed("Payments secondary").replace("Payments secondary", "Elsewhere")
    with pytest.raises(SourceError, match="'Elsewhere' is no imported schedule"):
        check(feed)
    assert check(feed, "payments-secondary").mismatches == []


def test_a_file_that_is_not_a_calendar_is_a_source_error() -> None:
    with pytest.raises(SourceError, match=r"^x\.ics: not an iCalendar feed"):
        read_feed("hello", "x.ics")


@pytest.mark.wallclock
def test_the_command_prints_the_check_and_exits_1_on_a_mismatch(tmp_path: Path) -> None:
    """The command imports as of today: the feed is exported as of today too."""
    today = datetime.now(UTC).replace(second=0, microsecond=0)
    good, bad = tmp_path / "good.ics", tmp_path / "bad.ics"
    good.write_text(export_feed("Payments primary", now=today))
    bad.write_text(export_feed("Payments secondary", swap=("dave", "bob"), now=today))
    runner = CliRunner()
    base = ["import", "grafana-oncall", str(TERRAFORM), "--plan"]
    passed = runner.invoke(cli, [*base, "--check-shifts", str(good)])
    assert passed.exit_code == 0, passed.output
    assert "shifts payments-primary vs" in passed.stdout
    failed = runner.invoke(cli, [*base, "--check-shifts", f"payments-secondary={bad}"])
    assert failed.exit_code == 1
    assert "source bob, muster dave" in failed.stdout


def test_oncalls_final_shifts_json_is_a_feed_too() -> None:
    """The API's final_shifts (a year at most): no calendar name, so the rotation is named."""
    export = read_export(read_documents([TERRAFORM]))
    schedule = next(s for s in export.schedules.values() if s.name == "Payments primary")
    shifts, at = [], NOW.replace(hour=0, minute=0)
    while at < NOW + timedelta(days=360):
        user = oncall_reference.on_call(export, schedule, at)
        if user is not None:
            username = export.users[user].username
            if shifts and shifts[-1]["user_username"] == username and shifts[-1]["end"] == at:
                shifts[-1]["end"] = at + STEP
            else:
                shifts.append({"user_username": username, "start": at, "end": at + STEP})
        at += STEP
    results = [
        {
            "user_pk": "U",
            "user_username": s["user_username"],
            "user_email": "x@example.com",
            "shift_start": s["start"].isoformat().replace("+00:00", "Z"),
            "shift_end": s["end"].isoformat().replace("+00:00", "Z"),
        }
        for s in shifts
    ]
    feed = json.dumps({"count": len(results), "results": results})
    assert len(read_feed(feed, "final_shifts.json").events) == len(results)
    with pytest.raises(SourceError, match="it names no imported schedule"):
        check(feed)
    found = check(feed, "payments-primary")
    assert found.mismatches == []
    assert found.ends is not None
    assert found.starts is not None
    assert found.ends - found.starts > timedelta(days=300)
