"""``muster silence add | list | expire`` on a real SQLite database and the demo config: a silence
added is listed and expired by its id; every silence muster will not keep is one line on stderr
and exit 2, before the database is touched."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from muster.worker.cli import cli
from muster.worker.store.db import Database
from tests.harness.cli_imports import heavy_imports

pytestmark = pytest.mark.wallclock  # a silence starts now, and may not end in the past

REINDEX = ["--service", "search", "--for", "2h", "--reason", "reindex"]


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """The worker's database (made and migrated as the worker does) and an author."""
    home = tmp_path / "home"
    home.mkdir()
    database = Database.connect(f"sqlite:///{home / 'muster.db'}")
    database.engine.dispose()
    return {
        "MUSTER_HOME": str(home),
        "MUSTER_DATABASE_URL": f"sqlite:///{home / 'muster.db'}",
        "MUSTER_AUTHOR": "alice",
    }


def run(env: dict[str, str], *args: str) -> Result:
    return CliRunner().invoke(cli, ["silence", *args], env=env)


def added(env: dict[str, str], *args: str) -> str:
    result = run(env, "add", *(args or REINDEX))
    assert result.exit_code == 0, result.output
    return result.stdout.strip()


def listed(env: dict[str, str], *args: str) -> list[dict[str, object]]:
    result = run(env, "list", "--format", "json", *args)
    assert result.exit_code == 0, result.output
    return list(json.loads(result.stdout))


def test_add_prints_the_id_and_the_listing_shows_the_silence(env: dict[str, str]) -> None:
    ident = added(env)
    assert len(ident) == 8
    lines = run(env, "list").stdout.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"{ident}  active  ")
    assert lines[0].endswith("services search  by alice: reindex")


def test_the_json_listing_has_scope_span_author_and_reason(env: dict[str, str]) -> None:
    ident = added(
        env,
        *["--label", "env=prod", "--label-re", "host=db-.*", "--severity", "SEV3"],
        *["--for", "90m", "--reason", "failover"],
    )
    [silence] = listed(env)
    assert silence["id"] == ident
    assert silence["scope"] == {
        "match": {"env": "prod"},
        "match_re": {"host": "db-.*"},
        "severities": ["SEV3"],
    }
    starts = datetime.fromisoformat(str(silence["starts_at"]))
    ends = datetime.fromisoformat(str(silence["ends_at"]))
    assert ends - starts == timedelta(minutes=90)
    assert (silence["author"], silence["reason"], silence["source"]) == ("alice", "failover", "cli")


def test_a_silence_may_start_later_and_end_at_a_time(env: dict[str, str]) -> None:
    starts = (datetime.now(UTC) + timedelta(hours=3)).replace(microsecond=0)
    until = starts + timedelta(hours=4)
    added(
        env,
        "--service",
        "search",
        "--starts",
        starts.isoformat(),
        "--until",
        until.isoformat(),
        "--reason",
        "r",
    )
    [silence] = listed(env)
    assert silence["state"] == "pending"
    assert (silence["starts_at"], silence["ends_at"]) == (
        starts.isoformat().replace("+00:00", "Z"),
        until.isoformat().replace("+00:00", "Z"),
    )


def test_the_author_option_wins_over_muster_author(env: dict[str, str]) -> None:
    added(env, *REINDEX, "--author", "bob")
    assert listed(env)[0]["author"] == "bob"


def test_expire_ends_a_silence_which_then_is_listed_only_with_all(env: dict[str, str]) -> None:
    ident = added(env)
    result = run(env, "expire", ident)
    assert (result.exit_code, result.stdout) == (0, f"expired {ident}\n")
    assert listed(env) == []
    [silence] = listed(env, "--all")
    assert (silence["state"], silence["expired_by"]) == ("expired", "alice")
    again = run(env, "expire", ident)
    assert (again.exit_code, again.stdout) == (0, f"{ident} had ended already\n")


def test_expiring_an_unknown_id_is_one_line_and_exit_1(env: dict[str, str]) -> None:
    added(env)
    result = run(env, "expire", "deadbeef")
    assert result.exit_code == 1
    assert result.stderr == (
        "muster silence expire: no silence 'deadbeef' (muster silence list --all shows them)\n"
    )


def test_an_empty_listing_says_so(env: dict[str, str]) -> None:
    added(env)
    run(env, "expire", listed(env)[0]["id"])  # type: ignore[arg-type]
    assert run(env, "list").stdout == "no silences holding or to come\n"


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--for", "2h", "--reason", "r"], "a silence needs a scope"),
        (["--service", "search", "--reason", "r"], "a silence needs an expiry"),
        (
            ["--service", "search", "--for", "2h", "--until", "2099-01-01T00:00Z", "--reason", "r"],
            "exactly one",
        ),
        (
            ["--service", "search", "--for", "25h", "--reason", "r"],
            "longer than maintenance.silence_max_length (1d)",
        ),
        (
            ["--service", "searhc", "--for", "2h", "--reason", "r"],
            "no service 'searhc': the config defines",
        ),
        (["--severity", "SEV9", "--for", "2h", "--reason", "r"], "no severity 'SEV9'"),
        (
            ["--label", "env", "--for", "2h", "--reason", "r"],
            "--label takes LABEL=VALUE, not 'env'",
        ),
        (
            ["--label-re", "host=(", "--for", "2h", "--reason", "r"],
            "not a regular expression RE2 runs",
        ),
        (
            ["--service", "search", "--for", "2 hours", "--reason", "r"],
            "--for: '2 hours' is not a duration",
        ),
        (
            ["--service", "search", "--until", "tomorrow", "--reason", "r"],
            "--until 'tomorrow' is not a time",
        ),
        (
            [
                "--service",
                "search",
                "--starts",
                "2020-01-01T00:00Z",
                "--until",
                "2020-01-01T02:00Z",
                "--reason",
                "r",
            ],
            "its end has passed",
        ),
        (["--service", "search", "--for", "2h", "--reason", " "], "a silence needs a reason"),
        (
            ["--service", "search", "--until", "0001-01-01T00:00+14:00", "--reason", "r"],
            "--until '0001-01-01T00:00+14:00' is out of the calendar",
        ),
        (
            [
                "--service",
                "search",
                "--starts",
                "9999-12-31T23:00Z",
                "--for",
                "2h",
                "--reason",
                "r",
            ],
            "its end is out of the calendar",
        ),
    ],
)
def test_a_silence_muster_will_not_keep_is_one_line_and_exit_2(
    env: dict[str, str], args: list[str], said: str
) -> None:
    result = run(env, "add", *args)
    assert result.exit_code == 2
    [line] = result.stderr.splitlines()
    assert line.startswith("muster silence add: ")
    assert said in line
    assert listed(env, "--all") == []


@pytest.mark.parametrize("command", [["list"], ["add", *REINDEX], ["expire", "deadbeef"]])
def test_without_a_database_each_is_exit_3_and_makes_none(
    tmp_path: Path, command: list[str]
) -> None:
    """The worker makes the database; a silence written to a file nobody reads would hold
    nothing."""
    result = CliRunner().invoke(cli, ["silence", *command], env={"MUSTER_HOME": str(tmp_path)})
    assert result.exit_code == 3
    assert "no database at" in result.stderr
    assert not (tmp_path / "muster.db").exists()


def test_hostile_text_reaches_the_terminal_inert(env: dict[str, str]) -> None:
    """An escape sequence or a line break in a reason or author cannot repaint the terminal or
    forge a second listing line."""
    added(
        env, *REINDEX[:4], "--reason", "rm\x1b[2J\nfake 00000000  active", "--author", "eve\u202e"
    )
    [line] = run(env, "list").stdout.splitlines()
    assert "\x1b" not in line
    assert "\u202e" not in line
    assert line.endswith("by eve: rm[2J fake 00000000 active")


def test_a_refused_add_imports_no_database_and_list_no_sqlalchemy(tmp_path: Path) -> None:
    """A refusal is judged on the config alone; the listing reads the embedded file without
    SQLAlchemy. None loads the broker, Apprise, the web or the migrations."""
    Database.connect(f"sqlite:///{tmp_path / 'muster.db'}").engine.dispose()
    heavy = ["celery", "kombu", "apprise", "fastapi", "structlog", "alembic"]
    refused = ["silence", "add", "--for", "2h", "--reason", "r"]
    assert heavy_imports(refused, [*heavy, "sqlalchemy"], tmp_path, 2) == []
    assert heavy_imports(["silence", "add", *REINDEX], heavy, tmp_path) == []
    listing = [*heavy, "sqlalchemy"]  # the embedded file is read with the standard library
    assert heavy_imports(["silence", "list"], listing, tmp_path) == []
