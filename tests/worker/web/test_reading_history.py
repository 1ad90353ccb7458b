"""``GET /v1/oncall`` and the calendar feeds over a range whose overrides were pruned from the
file: the cover is read back from the database's history, so pruning changes nothing shown."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import icalendar
import yaml
from click.testing import CliRunner

from muster.config.settings import Settings
from muster.worker.cli import cli
from muster.worker.store.db import Database
from muster.worker.store.override_history import Pruned, keep
from muster.worker.web.database import WebDatabase
from tests.harness.configs import DEMO
from tests.harness.web_app import TOKEN, Web, intake_document

COVER = Pruned(
    "ov-1",
    "commanders",
    "cat",
    datetime(2026, 11, 10, 12, tzinfo=UTC),
    datetime(2026, 11, 11, 12, tzinfo=UTC),
    "cover",
)
RANGE = {"at": "2026-11-10T00:00Z", "until": "2026-11-12T00:00Z", "role": "commander"}


def history_of(folder: Path, *pruned: Pruned) -> WebDatabase:
    """The web's database in ``folder``, the worker's schema, ``pruned`` in its history."""
    url = f"sqlite:///{folder / 'muster.db'}"
    database = Database.connect(url)
    with database.transaction() as session:
        keep(session, list(pruned), datetime(2026, 11, 25, tzinfo=UTC))
    database.engine.dispose()
    return WebDatabase(Settings(database_url=url, home=folder))


def serve(make_web: Callable[..., Web], database: WebDatabase) -> Web:
    document = intake_document()
    document["intake"]["callers"] = {"dashboard": {"token": TOKEN, "scopes": ["read"]}}
    return make_web(document, past_overrides=database.past_overrides())


def commanders(web: Web) -> list[tuple[str, bool]]:
    answer = web.client.get(
        "/v1/oncall", params=RANGE, headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert answer.status_code == 200, answer.text
    (rotation,) = answer.json()["rotations"]
    return [(s["person"], s["override"]) for s in rotation["shifts"]]


def test_a_pruned_override_is_shown_over_its_past_range(
    make_web: Callable[..., Web], tmp_path: Path
) -> None:
    web = serve(make_web, history_of(tmp_path, COVER))

    assert commanders(web) == [("ann", False), ("cat", True), ("ann", False)]


def test_a_database_that_cannot_be_read_shows_the_configs_shifts_not_a_500(
    make_web: Callable[..., Web], tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'none' / 'muster.db'}"

    web = serve(make_web, WebDatabase(Settings(database_url=url, home=tmp_path)))

    assert commanders(web) == [("ann", False)]


def test_a_feed_shift_begun_by_a_pruned_override_starts_where_the_override_did(
    make_web: Callable[..., Web], tmp_path: Path
) -> None:
    """Bob's turn from Monday 09:00 began the night before, covering for alice (pruned)."""
    night = Pruned(
        "ov-night",
        "incident-commanders",
        "bob",
        datetime(2026, 11, 22, 21, tzinfo=UTC),
        datetime(2026, 11, 23, 9, tzinfo=UTC),
    )
    document = yaml.safe_load(DEMO.read_text())
    document["calendar"] = {"url": "https://muster.test", "secret": "a-calendar-signing-secret"}
    config = tmp_path / "feeds.yaml"
    config.write_text(yaml.safe_dump(document))
    linked = CliRunner().invoke(cli, ["calendar", "link", "bob", "--config", str(config)], env={})
    web = make_web(document, past_overrides=history_of(tmp_path, night).past_overrides())

    answer = web.client.get(linked.stdout.strip().removeprefix("https://muster.test"))

    assert answer.status_code == 200
    first = next(iter(icalendar.Calendar.from_ical(answer.content).walk("VEVENT")))
    assert first.decoded("dtstart") == datetime(2026, 11, 22, 21, tzinfo=UTC)
