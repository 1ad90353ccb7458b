"""Each ``muster`` command imports only what it uses (issue 19): a script calling ``muster route``
or ``muster declare`` in a loop must not pay, per call, for importing Celery's worker, Apprise,
SQLAlchemy or FastAPI. Checked on ``sys.modules`` after the command ran in a fresh interpreter, so
the guard does not depend on how fast this machine is (``bench/cli_bench.py`` measures the time).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click
import pytest

from muster.worker.cli import COMMANDS, NO_PYDANTIC_PLUGINS, cli, main
from muster.worker.store import DEFAULT_FILE
from muster.worker.store.db import Database
from tests.harness.cli_imports import heavy_imports

NOT_FOR_QUICK_COMMANDS = [
    "celery",
    "kombu",
    "apprise",
    "sqlalchemy",
    "fastapi",
    "structlog",
    "phonenumbers",
    "hcl2",
    "icalendar",
    "muster.worker.core.checks.diff.changes",
]
"""What a command that sends nothing and reads no database has no use for (nor ``muster
import``'s Terraform parser, nor ``config diff``'s engine: 70 ms that ``config check`` paid)."""

NOT_FOR_PRODUCERS = [
    "apprise",
    "sqlalchemy",
    "fastapi",
    "structlog",
    "redis",
    "phonenumbers",
    "celery",  # kombu alone publishes (muster.worker.broker.publisher)
    "muster.config.loader",  # the names alone are checked (muster.config.names_file)
    "muster.worker.core.config.model",
]
"""What a command that queues one message on the embedded broker has no use for."""


QUICK = {
    "help": ["--help"],
    "version": ["--version"],
    "config check": ["config", "check"],
    "oncall": ["oncall", "--at", "2026-11-25T12:00:00Z", "--until", "2026-12-25T00:00"],
    "route": ["route", "--impact", "critical", "--urgency", "high", "--service", "payments-api"],
    "route --format json": [
        "route",
        "--impact",
        "major",
        "--urgency",
        "low",
        "--service",
        "search",
        "--format",
        "json",
    ],
}


@pytest.mark.parametrize("args", list(QUICK.values()), ids=list(QUICK))
def test_a_command_that_sends_nothing_imports_no_broker_delivery_database_or_web_library(
    args: list[str], tmp_path: Path
) -> None:
    assert heavy_imports(args, NOT_FOR_QUICK_COMMANDS, tmp_path) == []


PRODUCERS = {
    "declare": [
        "declare",
        "--title",
        "Checkout failing",
        "--impact",
        "critical",
        "--urgency",
        "high",
        "--service",
        "payments-api",
    ],
    "ack (no database on this host)": ["ack", "inc-1", "--person", "alice"],
}


def test_a_plain_route_imports_neither_the_webhook_models_nor_the_contract(tmp_path: Path) -> None:
    """``--alert`` and ``--heartbeat`` need the intake's webhook models and the contract's
    messages; a dry run of an impact, an urgency and services does not load them."""
    for args in (QUICK["route"], QUICK["route --format json"]):
        assert heavy_imports(args, ROUTE_INPUTS_ONLY, tmp_path) == []


ROUTE_INPUTS_ONLY = [
    "muster.worker.core.intake.alerts",
    "muster.worker.core.decisions.heartbeats",
    "muster.worker.messages",
]


@pytest.mark.parametrize("args", list(PRODUCERS.values()), ids=list(PRODUCERS))
def test_a_producer_on_the_embedded_broker_imports_no_delivery_database_web_or_redis_library(
    args: list[str], tmp_path: Path
) -> None:
    assert heavy_imports(args, NOT_FOR_PRODUCERS, tmp_path) == []


def test_the_listing_summaries_are_the_commands_own_first_sentences() -> None:
    """``muster --help`` lists commands without importing them; what it shows for each is what
    the command itself says (``muster NAME --help``)."""
    context = click.Context(cli)
    for name, entry in COMMANDS.items():
        command = cli.get_command(context, name)
        assert command is not None, name
        assert entry.summary == command.get_short_help_str(limit=1000), name
        assert entry.hidden == command.hidden, name


def test_ack_reads_the_embedded_database_without_sqlalchemy(tmp_path: Path) -> None:
    """The incident check reads the worker's SQLite file with the standard library's sqlite3:
    neither SQLAlchemy nor what migrates it (the unknown incident is refused, exit 1, without
    waiting: it was read)."""
    home = tmp_path / "home"
    home.mkdir()
    Database.connect(f"sqlite:///{home / DEFAULT_FILE}").engine.dispose()
    args = ["ack", "inc-none", "--person", "alice"]
    forbidden = [*NOT_FOR_PRODUCERS, "alembic"]
    assert heavy_imports(args, forbidden, home, 1, MUSTER_INCIDENT_WAIT="0") == []


@pytest.mark.parametrize(("given", "kept"), [(None, "__all__"), ("", ""), ("logfire", "logfire")])
def test_muster_looks_for_no_pydantic_plugin_unless_its_environment_says(
    given: str | None, kept: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pydantic scans every installed package for plugins before its first validator; the
    ``muster`` command turns that off, and an environment's own choice wins."""
    variable = NO_PYDANTIC_PLUGINS[0]
    monkeypatch.setenv(variable, "restored after the test")
    if given is None:
        monkeypatch.delenv(variable)
    else:
        monkeypatch.setenv(variable, given)
    monkeypatch.setattr(sys, "argv", ["muster", "--version"])
    with pytest.raises(SystemExit):
        main()
    assert os.environ[variable] == kept
