"""``--check-shifts`` for Opsgenie and PagerDuty imports: a calendar of final shifts exported
from each source's reference agrees with the imported rotation, and one with a person swapped
is caught."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import icalendar
import pytest

from muster.config.importers import opsgenie, pagerduty
from muster.config.importers.people import PeopleTable
from muster.config.importers.shift_check import check_imported
from muster.config.importers.sources import read_documents
from muster.config.importers.writer import Imported, render
from muster.config.loader import load_text
from tests.harness import opsgenie_reference, pagerduty_reference

FIXTURES = Path(__file__).parent / "fixtures"
NOW = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)
STEP = timedelta(minutes=30)


def opsgenie_holders(folder: Path, name: str) -> Callable[[datetime], list[str]]:
    export = opsgenie.read_export(read_documents([folder]))
    schedule = next(s for s in export.schedules.values() if s.name == name)
    return lambda at: [
        export.users[user].username for user in opsgenie_reference.on_call(schedule, at)
    ]


def pagerduty_holders(folder: Path, name: str) -> Callable[[datetime], list[str]]:
    export = pagerduty.read_export(read_documents([folder]))
    schedule = next(s for s in export.schedules.values() if s.name == name)

    def holders(at: datetime) -> list[str]:
        user = pagerduty_reference.on_call(schedule, at)
        return [export.users[user].name] if user else []  # PagerDuty's feed names people

    return holders


def feed(name: str, holders: Callable[[datetime], list[str]], swap: tuple[str, str] | None) -> str:
    """The source's calendar of final shifts, 15 days back and 90 on, one event a person."""
    calendar = icalendar.Calendar()
    calendar.add("X-WR-CALNAME", name)
    at = NOW.replace(hour=0, minute=0) - timedelta(days=15)
    while at < NOW + timedelta(days=90):
        for who in holders(at):
            event = icalendar.Event()
            event.add("SUMMARY", swap[1] if swap and who == swap[0] else who)
            event.add("DTSTART", at)
            event.add("DTEND", at + STEP)
            calendar.add_component(event)
        at += STEP
    return calendar.to_ical().decode()


CASES = [
    (opsgenie, "opsgenie_checkout_tf", "Checkout Hours", opsgenie_holders, "bob@example.com"),
    (opsgenie, "opsgenie_support_api", "Support Primary", opsgenie_holders, "tom@example.com"),
    (pagerduty, "pagerduty_platform_tf", "Platform Primary", pagerduty_holders, "Ben Adler"),
]


@pytest.mark.parametrize(
    ("source", "fixture", "schedule", "holders", "swapped"),
    CASES,
    ids=["opsgenie-terraform", "opsgenie-api", "pagerduty"],
)
def test_the_sources_own_final_shifts_agree_and_a_swap_is_caught(
    source: object,
    fixture: str,
    schedule: str,
    holders: Callable[[Path, str], Callable[[datetime], list[str]]],
    swapped: str,
) -> None:
    folder = FIXTURES / fixture
    imported: Imported = source.import_documents(  # type: ignore[attr-defined]
        read_documents([folder]), PeopleTable(), NOW
    )
    routing = load_text(render(imported, "test"), "routing.yaml", environ={}).routing
    who = holders(folder, schedule)
    for swap, mismatched in ((None, False), ((swapped, "carol@example.com"), True)):
        (check,) = check_imported(
            routing,
            imported.rotation_names,
            imported.person_names,
            [(None, f"{schedule}.ics", feed(schedule, who, swap))],
            imported.horizon,
        )
        assert bool(check.mismatches) is mismatched, check.render()
        assert not check.unknown or swap
