"""``muster calendar export``: a person's or a rotation's final shifts as an .ics calendar
clients can subscribe to, and payroll's CSV, without a web server."""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta
from pathlib import Path

import icalendar
import pytest
import vobject
from click.testing import CliRunner, Result

from muster.worker.cli import cli
from tests.harness.configs import DEMO, alice_covers_bob

# Without --from the export starts at the real clock; link signs with it.
pytestmark = pytest.mark.wallclock

NOON = "2026-11-25T12:00:00Z"


def export(*args: str, config: Path = DEMO) -> Result:
    return CliRunner().invoke(cli, ["calendar", "export", "--config", str(config), *args], env={})


def events(path: Path) -> list[icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(path.read_bytes())
    return list(calendar.walk("VEVENT"))


def test_a_persons_year_of_shifts_is_a_valid_transparent_calendar(tmp_path: Path) -> None:
    ics = tmp_path / "bob.ics"
    result = export("--person", "bob", "--from", NOON, "--ics", str(ics))
    assert result.exit_code == 0, result.output
    found = events(ics)
    assert len(found) >= 12  # one week in four, a year ahead
    first = found[0]
    assert first.decoded("dtstart") == datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    assert first.decoded("dtend") == datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    assert str(first["summary"]) == (
        "On call: Incident commander (incident-commanders) - Bob Okafor"
    )
    assert {str(event["transp"]) for event in found} == {"TRANSPARENT"}
    last_end = max(event.decoded("dtend") for event in found)
    assert last_end >= datetime(2027, 11, 1, tzinfo=UTC)
    parsed = vobject.readOne(ics.read_text())  # a second, independent parser agrees
    assert [e.uid.value for e in parsed.vevent_list] == [str(e["uid"]) for e in found]


def test_uids_stay_the_same_from_one_export_to_the_next(tmp_path: Path) -> None:
    week, later = tmp_path / "now.ics", tmp_path / "later.ics"
    export("--rotation", "scribes", "--from", NOON, "--ics", str(week))
    export("--rotation", "scribes", "--from", "2026-11-28T00:00Z", "--ics", str(later))
    now_uids = {str(e["uid"]): e.decoded("dtstart") for e in events(week)}
    later_uids = {str(e["uid"]): e.decoded("dtstart") for e in events(later)}
    shared = now_uids.keys() & later_uids.keys()
    assert len(shared) > 300
    assert all(now_uids[uid] == later_uids[uid] for uid in shared)


def test_an_override_is_the_final_shift_and_the_replaced_one_is_gone(tmp_path: Path) -> None:
    config = alice_covers_bob(tmp_path)
    ics = tmp_path / "commanders.ics"
    args = ["--rotation", "incident-commanders", "--from", NOON, "--months", "1"]
    result = export(*args, "--ics", str(ics), config=config)
    assert result.exit_code == 0, result.output
    spans = [
        (str(e["summary"]).rsplit(" - ", 1)[1], e.decoded("dtstart"), e.decoded("dtend"))
        for e in events(ics)
    ][:3]
    assert spans == [
        (
            "Bob Okafor",
            datetime(2026, 11, 23, 9, tzinfo=UTC),
            datetime(2026, 11, 26, 18, tzinfo=UTC),
        ),
        (
            "Alice Byrne [override]",
            datetime(2026, 11, 26, 18, tzinfo=UTC),
            datetime(2026, 11, 27, 8, tzinfo=UTC),
        ),
        (
            "Bob Okafor",
            datetime(2026, 11, 27, 8, tzinfo=UTC),
            datetime(2026, 11, 30, 9, tzinfo=UTC),
        ),
    ]


def test_payroll_csv_counts_hours_within_the_range(tmp_path: Path) -> None:
    table = tmp_path / "payroll.csv"
    args = ["--person", "bob", "--from", "2026-11-01T00:00", "--months", "1"]
    result = export(*args, "--csv", str(table))
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(table.open(newline="")))
    assert [row["rotation"] for row in rows] == ["incident-commanders"] * len(rows)
    assert rows[0]["held_for"] == "Incident commander"
    assert rows[0]["start"].endswith("+00:00")  # Dublin in winter
    total = sum(float(row["hours"]) for row in rows)
    for row in rows:
        span = datetime.fromisoformat(row["end"]) - datetime.fromisoformat(row["start"])
        assert float(row["hours"]) == span / timedelta(hours=1)
    assert total <= 30.4375 * 24


def test_bad_choices_are_one_clear_line(tmp_path: Path) -> None:
    both = export("--person", "bob", "--rotation", "scribes")
    assert both.exit_code == 2
    assert "not both" in both.output
    unknown = export("--rotation", "nope")
    assert unknown.exit_code == 2
    assert "no rotation 'nope'" in unknown.output
    nobody = export("--person", "zed")
    assert "no person 'zed'" in nobody.output
