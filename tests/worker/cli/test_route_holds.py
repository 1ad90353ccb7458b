"""``muster route --at``: which maintenance window or silence would hold the page at that
instant — windows from the config, silences from the worker's database when this host has one
(read with the standard library from the embedded SQLite file), or a note that they were not
checked."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from muster.worker.cli import cli
from muster.worker.core.decisions.silences import Silence, silence_scope
from muster.worker.store import silences as stored
from muster.worker.store.db import Database
from muster.worker.store.file_reads import reading
from muster.worker.store.silence_file_reads import stored_in_file
from tests.harness.cli_imports import heavy_imports
from tests.harness.configs import DEMO

AT = "2026-11-25T03:30:00Z"
STARTS = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)
SEV4_SEARCH = ["route", "--impact", "minor", "--urgency", "low", "--service", "search"]
WINDOW = """
maintenance:
  windows:
    search-reindex:
      reason: Weekly search reindex
      scope: {services: [search]}
      start: 2026-11-25T03:00
      end: 2026-11-25T04:00
"""


def silence(ident: str = "ab12cd34", hours: int = 2, **scope: Any) -> Silence:
    return Silence(
        id=ident,
        scope=silence_scope(**scope or {"services": ["search"]}),
        starts=STARTS,
        ends=STARTS + timedelta(hours=hours),
        author="alice",
        reason="reindex",
        created_at=STARTS,
    )


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """``$MUSTER_HOME`` with the worker's embedded database, holding one search silence."""
    database = Database.connect(f"sqlite:///{tmp_path / 'muster.db'}")
    with database.transaction() as session:
        ident = stored.add(session, silence()).id
    database.engine.dispose()
    (tmp_path / "silence-id").write_text(ident)
    return tmp_path


def route(home: Path, *args: str, config: Path = DEMO, **env: str) -> Any:
    result = CliRunner().invoke(
        cli, [*args, "--at", AT, "--config", str(config)], env={"MUSTER_HOME": str(home), **env}
    )
    assert result.exit_code == 0, result.output
    return result


def test_a_silence_in_the_embedded_database_holds_the_page(home: Path) -> None:
    ident = (home / "silence-id").read_text()
    lines = route(home, *SEV4_SEARCH).stdout.splitlines()
    assert lines[3:5] == [
        "HELD: this page would go to nobody now; what is held pages when its hold ends:",
        f"  silence {ident} by alice: reindex (until Wed 2026-11-25 05:00)",
    ]


def test_the_json_names_the_hold_and_its_span(home: Path) -> None:
    ident = (home / "silence-id").read_text()
    holds = json.loads(route(home, *SEV4_SEARCH, "--format", "json").stdout)["holds"]
    assert holds == {
        "held_by": [
            {
                "kind": "silence",
                "name": ident,
                "reason": f"silence {ident} by alice: reindex",
                "starts": "2026-11-25T03:00:00Z",
                "ends": "2026-11-25T05:00:00Z",
            }
        ],
        "silences_note": None,
    }


def test_a_page_outside_the_scope_is_held_by_nothing(home: Path) -> None:
    """Every service must be in scope: search and payments-api together is not held."""
    args = [*SEV4_SEARCH, "--service", "payments-api"]
    assert "held by no maintenance window or silence\n" in route(home, *args).stdout


def test_a_window_of_the_config_holds_the_page_too(home: Path, tmp_path: Path) -> None:
    config = tmp_path / "routing.yaml"
    config.write_text(DEMO.read_text() + WINDOW)
    holds = json.loads(route(home, *SEV4_SEARCH, "--format", "json", config=config).stdout)
    assert [(h["kind"], h["ends"]) for h in holds["holds"]["held_by"]] == [
        ("window", "2026-11-25T04:00:00Z"),  # the soonest to end first
        ("silence", "2026-11-25T05:00:00Z"),
    ]


def test_an_alerts_labels_are_matched(home: Path, tmp_path: Path) -> None:
    database = Database.connect(f"sqlite:///{home / 'muster.db'}")
    with database.transaction() as session:
        stored.add(session, silence("00000000", match={"alertname": "DiskFull"}))
    database.engine.dispose()
    alert = tmp_path / "alert.json"
    alert.write_text(
        json.dumps(
            {
                "version": "4",
                "status": "firing",
                "groupKey": "g",
                "commonLabels": {"alertname": "DiskFull", "service": "platform"},
                "alerts": [{"status": "firing", "labels": {"alertname": "DiskFull"}}],
            }
        )
    )
    report = json.loads(route(home, "route", "--alert", str(alert), "--format", "json").stdout)
    assert [h["kind"] for h in report["holds"]["held_by"]] == ["silence"]


def test_without_a_database_the_answer_says_silences_were_not_checked(tmp_path: Path) -> None:
    out = route(tmp_path, *SEV4_SEARCH).stdout
    [line] = [line for line in out.splitlines() if line.startswith("held by")]
    assert line == (
        f"held by no maintenance window (no database at {tmp_path / 'muster.db'}: the worker"
        " makes it when it starts: silences not checked)"
    )


def test_a_database_url_is_read_with_sqlalchemy_alike(home: Path) -> None:
    """A URL with options is not a plain file: SQLAlchemy reads it, to the same answer."""
    url = f"sqlite:///{home / 'muster.db'}?timeout=5"
    holds = json.loads(
        route(home, *SEV4_SEARCH, "--format", "json", MUSTER_DATABASE_URL=url).stdout
    )["holds"]
    assert [h["kind"] for h in holds["held_by"]] == ["silence"]


def test_the_file_read_answers_as_the_store(home: Path) -> None:
    """The standard library's query and the store's give the same silences, an expired one
    included, and every one without a time."""
    database = Database.connect(f"sqlite:///{home / 'muster.db'}")
    with database.transaction() as session:
        expired = stored.add(session, silence("11111111", hours=4)).id
        stored.expire(session, expired, STARTS + timedelta(minutes=10), "bob")
    for at in (STARTS, STARTS + timedelta(hours=3), STARTS + timedelta(hours=5), None):
        with database.sessions() as session:
            by_store = stored.stored(session, at)
        with reading(home / "muster.db", 2) as connection:
            by_file = stored_in_file(connection, at)
        assert by_file == by_store
    database.engine.dispose()


def test_route_reads_the_embedded_silences_without_sqlalchemy(home: Path) -> None:
    args = [*SEV4_SEARCH, "--at", AT]
    assert heavy_imports(args, ["sqlalchemy", "alembic", "celery", "apprise"], home) == []
