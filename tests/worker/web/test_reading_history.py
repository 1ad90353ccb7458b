"""``GET /v1/oncall`` and the calendar feeds over a range whose overrides were pruned from the
file: the cover is read back from the database's history, so pruning changes nothing shown."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from muster.config.settings import Settings
from muster.worker.store.db import Database
from muster.worker.store.override_history import Pruned, keep
from muster.worker.web.database import WebDatabase
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
    url = f"sqlite:///{tmp_path / 'muster.db'}"
    database = Database.connect(url)
    with database.transaction() as session:
        keep(session, [COVER], datetime(2026, 12, 20, tzinfo=UTC))
    database.engine.dispose()

    web = serve(make_web, WebDatabase(Settings(database_url=url, home=tmp_path)))

    assert commanders(web) == [("ann", False), ("cat", True), ("ann", False)]


def test_a_database_that_cannot_be_read_shows_the_configs_shifts_not_a_500(
    make_web: Callable[..., Web], tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'none' / 'muster.db'}"

    web = serve(make_web, WebDatabase(Settings(database_url=url, home=tmp_path)))

    assert commanders(web) == [("ann", False)]
