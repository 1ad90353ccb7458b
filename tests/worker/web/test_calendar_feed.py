"""``GET /calendar/TOKEN.ics``: a calendar client fetches a signed link from ``muster calendar
link`` and gets a year of final shifts; any other token is 404, and the log never shows one."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import icalendar
import pytest
import vobject
import yaml
from click.testing import CliRunner

from muster.worker.cli import cli
from tests.harness.configs import DEMO
from tests.harness.web_app import Web

FEEDS = {"url": "https://muster.test", "secret": "a-calendar-signing-secret"}


def demo_with_feeds(**changes: Any) -> dict[str, Any]:
    document = yaml.safe_load(DEMO.read_text())
    document["calendar"] = {**FEEDS, **changes}
    return dict(document)


def link(tmp_path: Path, *args: str) -> tuple[str, str]:
    config = tmp_path / "feeds.yaml"
    config.write_text(yaml.safe_dump(demo_with_feeds()))
    result = CliRunner().invoke(cli, ["calendar", "link", *args, "--config", str(config)], env={})
    assert result.exit_code == 0, result.output
    url, said = result.stdout.strip(), result.stderr.strip()
    assert url.startswith("https://muster.test/calendar/")
    assert url.endswith(".ics")
    return url.removeprefix("https://muster.test"), said.split()[1]


@pytest.fixture
def web(make_web: Callable[..., Web]) -> Web:
    return make_web(demo_with_feeds())


def test_a_persons_link_serves_their_year_of_shifts(web: Web, tmp_path: Path) -> None:
    path, _ = link(tmp_path, "bob")
    answer = web.client.get(path)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(answer.content)
    found = list(calendar.walk("VEVENT"))
    assert len(found) >= 12
    assert {str(e["summary"]).rsplit(" - ", 1)[1] for e in found} == {"Bob Okafor"}
    assert {str(e["transp"]) for e in found} == {"TRANSPARENT"}
    assert found[0].decoded("dtstart") == datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    read_again = vobject.readOne(answer.text)
    assert len(read_again.vevent_list) == len(found)


def test_a_rotations_link_serves_that_rotation(web: Web, tmp_path: Path) -> None:
    path, _ = link(tmp_path, "--rotation", "scribes")
    found = list(icalendar.Calendar.from_ical(web.client.get(path).content).walk("VEVENT"))
    assert {str(e["summary"]).split(" - ")[0] for e in found} == {"On call: Scribe (scribes)"}


def test_a_revoked_altered_or_unknown_token_is_404(
    make_web: Callable[..., Web], tmp_path: Path
) -> None:
    path, feed_id = link(tmp_path, "bob")
    revoked = make_web(demo_with_feeds(revoked=[feed_id]))
    assert revoked.client.get(path).status_code == 404
    other_secret = make_web(demo_with_feeds(secret="another-signing-secret-0123"))
    assert other_secret.client.get(path).status_code == 404
    assert other_secret.client.get("/calendar/nothing.ics").status_code == 404


def test_without_a_calendar_section_no_link_is_made_and_none_served(
    make_web: Callable[..., Web], tmp_path: Path
) -> None:
    path, _ = link(tmp_path, "bob")
    assert make_web(yaml.safe_load(DEMO.read_text())).client.get(path).status_code == 404
    refused = CliRunner().invoke(cli, ["calendar", "link", "bob", "--config", str(DEMO)], env={})
    assert refused.exit_code == 1
    assert "no calendar: section" in refused.stderr
