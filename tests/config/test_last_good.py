"""The last good config, kept in the database: a process started on an invalid file pages with it.

Every test runs on a real (SQLite) database through the keeper the worker and the web use. A
config that loads cleanly is stored as written (``${NAME}`` unfilled); a source started while
the file is invalid serves the stored one and says so (a log line at each reminder, the status
``/readyz`` shows, a note the summaries print); with nothing stored it refuses to start with one
line naming the file's first error.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import select

from muster.config import watch
from muster.config.last_good import fingerprint
from muster.config.overrides_file import overrides_path
from muster.config.watch import ConfigSource, NoGoodConfig
from muster.worker.core.config.issues import ConfigError
from muster.worker.store.db import Database, make_engine
from muster.worker.store.good_config import DatabaseKeeper
from muster.worker.store.upkeep_models import GOOD_CONFIGS
from tests.harness.configs import minimal_document
from tests.harness.logs import captured_logs
from tests.harness.waiting import wait_until

STORED_AT = datetime(2026, 12, 7, 9, 30, tzinfo=UTC)
IMPOSSIBLE = "2026-13-45"


@pytest.fixture
def keeper(database: Database) -> DatabaseKeeper:
    return DatabaseKeeper(database.engine, now=lambda: STORED_AT)


def good_text(room: str = "json://${CHAT_TOKEN}@127.0.0.1/room") -> str:
    document: dict[str, Any] = minimal_document()
    document["services"]["api"]["room"] = room
    return yaml.safe_dump(document, sort_keys=False)


def bad_text() -> str:
    return good_text().replace("'2026-01-05'", IMPOSSIBLE)


ENV = {"CHAT_TOKEN": "chat-secret-token-42"}


def source(path: Path, keeper: DatabaseKeeper | None) -> ConfigSource:
    return ConfigSource(path, environ=ENV, interval=0, keeper=keeper)


def stored_rows(database: Database) -> list[tuple[str, str]]:
    with database.engine.connect() as connection:
        return [
            tuple(row)
            for row in connection.execute(select(GOOD_CONFIGS.c.text, GOOD_CONFIGS.c.sha256))
        ]


class TestKeeping:
    """What loads cleanly is kept, as written."""

    def test_a_clean_load_is_stored_with_its_variables_unfilled(
        self, tmp_path: Path, keeper: DatabaseKeeper, database: Database
    ) -> None:
        """The stored text is the file's: ``${CHAT_TOKEN}``, never the token itself."""
        path = tmp_path / "routing.yaml"
        path.write_text(good_text())
        source(path, keeper)
        [(text, sha256)] = stored_rows(database)
        assert text == good_text()
        assert "${CHAT_TOKEN}" in text
        assert ENV["CHAT_TOKEN"] not in text
        assert sha256 == fingerprint(good_text())

    def test_a_good_edit_replaces_the_stored_config(
        self, tmp_path: Path, keeper: DatabaseKeeper, database: Database
    ) -> None:
        """One row: the latest config that loaded cleanly."""
        path = tmp_path / "routing.yaml"
        path.write_text(good_text())
        served = source(path, keeper)
        edited = good_text(room="json://127.0.0.1/other-room")
        path.write_text(edited)
        served.current()
        assert stored_rows(database) == [(edited, fingerprint(edited))]

    def test_a_bad_edit_is_not_stored(
        self, tmp_path: Path, keeper: DatabaseKeeper, database: Database
    ) -> None:
        """The rejected file never replaces the good one in the database."""
        path = tmp_path / "routing.yaml"
        path.write_text(good_text())
        served = source(path, keeper)
        path.write_text(bad_text())
        served.current()
        assert [text for text, _ in stored_rows(database)] == [good_text()]


class TestStartingOnAnInvalidFile:
    """A process started while the file is invalid pages with the stored config, loudly."""

    @pytest.fixture
    def started(self, tmp_path: Path, keeper: DatabaseKeeper) -> ConfigSource:
        path = tmp_path / "routing.yaml"
        path.write_text(good_text())
        source(path, keeper)  # a worker once loaded it cleanly
        path.write_text(bad_text())
        return source(path, keeper)

    def test_it_serves_the_stored_config_with_the_environment_filled_in(
        self, started: ConfigSource
    ) -> None:
        """The stored text is loaded as the file would be: ``${NAME}`` from the environment."""
        routing = started.current().routing
        assert routing.config.services["api"].room == "json://chat-secret-token-42@127.0.0.1/room"
        assert isinstance(started.last_error, ConfigError)

    def test_it_logs_the_files_first_error_at_start_and_at_each_reminder(
        self, tmp_path: Path, keeper: DatabaseKeeper
    ) -> None:
        """``config.serving_last_good``, with the file's first error, at start and each scan."""
        path = tmp_path / "routing.yaml"
        path.write_text(good_text())
        source(path, keeper)
        path.write_text(bad_text())
        with captured_logs() as logs:
            started = source(path, keeper)
            started.remind()
            started.remind()
        lines = [line for line in logs if line["event"] == "config.serving_last_good"]
        assert len(lines) == 3
        assert all("rotations.commanders.start" in line["error"] for line in lines)
        assert all("sha256 " + fingerprint(good_text())[:12] in line["serving"] for line in lines)
        assert "2026-12-07 09:30 UTC" in lines[0]["serving"]

    def test_its_status_names_the_rejected_file_and_the_served_config(
        self, started: ConfigSource
    ) -> None:
        """What ``/readyz`` shows: the file rejected, where, and which config pages."""
        status = started.status()
        assert f"{started.path} is rejected (1 error, the first at line" in status
        assert "serving the last good config (sha256 " + fingerprint(good_text())[:12] in status

    def test_summaries_are_told(self, started: ConfigSource) -> None:
        """The served routing carries the note the periodic summary prints."""
        note = started.current().routing.serving_note
        assert note is not None
        assert "routing.yaml is rejected" in note
        assert "paging with the last good config" in note

    def test_fixing_the_file_serves_it_and_the_reminders_stop(self, started: ConfigSource) -> None:
        """Once the file is valid again it is served, kept, and nothing more is said."""
        started.path.write_text(good_text(room="json://127.0.0.1/fixed"))
        with captured_logs() as logs:
            routing = started.current().routing
            started.remind()
        assert routing.config.services["api"].room == "json://127.0.0.1/fixed"
        assert routing.serving_note is None
        assert started.last_error is None
        assert not [line for line in logs if line["event"] == "config.serving_last_good"]

    def test_the_web_reads_it_on_an_engine_that_cannot_write(
        self, started: ConfigSource, database: Database
    ) -> None:
        """A read-only keeper (the web's) serves the stored config too, and writes nothing."""
        url = database.engine.url.render_as_string(hide_password=False)
        reader = DatabaseKeeper(make_engine(url, read_only=True), writes=False)
        web = source(started.path, reader)
        assert web.current().routing.config.services["api"].room.endswith("@127.0.0.1/room")
        reader.engine.dispose()


class TestNothingToStandIn:
    """With no stored config, an invalid file stops the process with one clear line."""

    def test_no_stored_config_is_one_line_naming_the_first_error(
        self, tmp_path: Path, keeper: DatabaseKeeper
    ) -> None:
        path = tmp_path / "routing.yaml"
        path.write_text(bad_text())
        with pytest.raises(NoGoodConfig) as raised:
            source(path, keeper)
        message = str(raised.value)
        assert "\n" not in message
        assert f"{path}: invalid (1 error, first: {path}:" in message
        assert "rotations.commanders.start" in message
        assert "no last good config is kept" in message

    def test_a_stored_config_the_environment_no_longer_fills(
        self, tmp_path: Path, keeper: DatabaseKeeper
    ) -> None:
        """The stored config needs a variable this process lacks: refused, saying so."""
        path = tmp_path / "routing.yaml"
        path.write_text(good_text())
        source(path, keeper)
        path.write_text(bad_text())
        with pytest.raises(NoGoodConfig, match="CHAT_TOKEN is not set"):
            ConfigSource(path, environ={}, interval=0, keeper=keeper)


class TestTheWatcherOutlivesAnyFile:
    """Whatever loading an edit raises, the edit is rejected and the last good config serves."""

    @pytest.mark.parametrize("failure", [MemoryError, RecursionError, TypeError])
    def test_an_unexpected_failure_is_a_rejected_edit(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failure: type[Exception]
    ) -> None:
        path = tmp_path / "routing.yaml"
        path.write_text(good_text())
        served = source(path, None)
        path.write_text(good_text(room="json://127.0.0.1/edited"))

        def exhausted(*_: object) -> None:
            raise failure

        monkeypatch.setattr(watch, "load_config", exhausted)
        with captured_logs() as logs:
            routing = served.current().routing
        assert routing.config.services["api"].room.endswith("@127.0.0.1/room")
        assert served.last_error is not None
        assert failure.__name__ in str(served.last_error.errors[0])
        assert [line["event"] for line in logs] == ["config.reload_rejected"]

    def test_an_impossible_date_edit_is_a_rejected_edit(self, tmp_path: Path) -> None:
        """The issue's case: the edit is logged as rejected, the old config keeps serving."""
        path = tmp_path / "routing.yaml"
        path.write_text(good_text())
        served = source(path, None)
        path.write_text(bad_text())
        with captured_logs() as logs:
            served.current()
        (line,) = logs
        assert line["event"] == "config.reload_rejected"
        assert any("rotations.commanders.start" in error for error in line["errors"])


class TestFollowing:
    """The web reads the served config without touching the file; a thread keeps it current."""

    def test_an_edit_is_served_by_the_following_thread(self, tmp_path: Path) -> None:
        path = tmp_path / "routing.yaml"
        path.write_text(good_text())
        served = ConfigSource(path, environ=ENV, interval=0.05)
        served.follow()
        path.write_text(good_text(room="json://127.0.0.1/followed"))
        wait_until(lambda: served.served().routing.config.services["api"].room.endswith("followed"))

    def test_served_does_not_look_at_the_file(self, tmp_path: Path) -> None:
        """Without the thread, an edit is not seen by ``served()`` (it is by ``current()``)."""
        path = tmp_path / "routing.yaml"
        path.write_text(good_text())
        served = ConfigSource(path, environ=ENV, interval=0)
        path.write_text(good_text(room="json://127.0.0.1/edited"))
        assert served.served().routing.config.services["api"].room.endswith("@127.0.0.1/room")
        assert served.current().routing.config.services["api"].room.endswith("/edited")


class TestTheOverridesFile:
    """The overrides file is kept with the config it loaded with: a process started while
    either file is bad pages with the cover last in force, and a file removed is no cover."""

    AT = datetime(2026, 3, 4, 20, 0, tzinfo=UTC)  # a Wednesday evening: ann's week

    def cover(self, path: Path, person: str = "ben") -> None:
        swap = {
            "id": "ov-1",
            "rotation": "commanders",
            "person": person,
            "from": "2026-03-04T18:00:00+00:00",
            "until": "2026-03-05T08:00:00+00:00",
        }
        overrides_path(path).write_text(yaml.safe_dump({"overrides": [swap]}), encoding="utf-8")

    @pytest.fixture
    def path(self, tmp_path: Path, keeper: DatabaseKeeper) -> Path:
        """A config and its overrides file (ben covers ann's evening), loaded cleanly once."""
        path = tmp_path / "routing.yaml"
        path.write_text(good_text())
        self.cover(path)
        assert source(path, keeper).current().routing.on_call("commanders", self.AT) == "ben"
        return path

    def test_a_process_started_on_a_bad_overrides_file_pages_with_the_last_good_cover(
        self, path: Path, keeper: DatabaseKeeper
    ) -> None:
        self.cover(path, person="zed")  # nobody by that name

        started = source(path, keeper)

        assert started.current().routing.on_call("commanders", self.AT) == "ben"
        assert started.last_error is not None
        assert started.last_error.errors[0].file == str(overrides_path(path))
        assert "with its overrides file" in started.serving

    def test_a_process_started_on_a_bad_config_pages_with_the_cover_that_loaded_with_it(
        self, path: Path, keeper: DatabaseKeeper
    ) -> None:
        path.write_text(bad_text())

        started = source(path, keeper)

        assert started.current().routing.on_call("commanders", self.AT) == "ben"

    def test_an_overrides_file_removed_is_no_cover_in_the_kept_config(
        self, path: Path, keeper: DatabaseKeeper, database: Database
    ) -> None:
        served = source(path, keeper)
        overrides_path(path).unlink()
        served.current()
        path.write_text(bad_text())

        started = source(path, keeper)

        assert started.current().routing.on_call("commanders", self.AT) == "ann"
        assert len(stored_rows(database)) == 1

    def test_a_cover_edit_alone_replaces_the_kept_cover(
        self, path: Path, keeper: DatabaseKeeper
    ) -> None:
        served = source(path, keeper)
        self.cover(path, person="ann")
        served.current()
        self.cover(path, person="zed")

        started = source(path, keeper)

        assert started.current().routing.on_call("commanders", self.AT) == "ann"
