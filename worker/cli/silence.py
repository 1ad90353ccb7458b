"""``muster silence add | list | expire``: holding pages at run time, without a config deploy.

For the on-call person at 3 a.m.: ``muster silence add --service search --for 2h --reason
reindex``. The silence is judged against the routing config exactly as the web's ``POST
/v1/silences`` judges it (:func:`muster.worker.core.decisions.silences.plan_silence`) and stored
in the worker's database, which every worker reads holds from. Every refusal of ``add`` is one
line and exit status 2 (the options asked for a silence muster will not keep: no scope, no
expiry, too long, a name the config lacks); ``expire`` of an id the database does not know
exits 1, like an unknown incident.
"""

from __future__ import annotations

import getpass
import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click

from muster.worker.cli.common import CONFIG_OPTION, load_or_exit
from muster.worker.cli.failures import BAD_INPUT, USAGE
from muster.worker.cli.placeholders import PlaceholderEnviron

if TYPE_CHECKING:  # imported when a command runs, not to list the commands
    from muster.config.loader import LoadedConfig
    from muster.worker.core.config.maintenance import HoldScope
    from muster.worker.store.db import Database

AUTHOR_VARIABLE = "MUSTER_AUTHOR"


@click.group("silence")
def silence() -> None:
    """Hold pages at run time: silences in the database, each with an author and an expiry."""


@silence.command("add")
@click.option("--service", "services", multiple=True, help="A service it holds (repeat).")
@click.option("--label", "labels", multiple=True, help="LABEL=VALUE an alert must have (repeat).")
@click.option(
    "--label-re", "label_res", multiple=True, help="LABEL=RE2 an alert's label must match whole."
)
@click.option("--severity", "severities", multiple=True, help="A severity level it holds.")
@click.option("--for", "length", default=None, help="How long from its start: 30m, 2h, 1d.")
@click.option("--until", "until_text", default=None, help="When it ends (instead of --for).")
@click.option("--starts", "starts_text", default=None, help="When it starts [default: now].")
@click.option("--reason", required=True, help="What is being worked on: shown wherever it is.")
@click.option(
    "--author",
    envvar=AUTHOR_VARIABLE,
    default=None,
    help=f"Who adds it [default: ${AUTHOR_VARIABLE}, else your OS user].",
)
@CONFIG_OPTION
def add(
    services: tuple[str, ...],
    labels: tuple[str, ...],
    label_res: tuple[str, ...],
    severities: tuple[str, ...],
    length: str | None,
    until_text: str | None,
    starts_text: str | None,
    reason: str,
    author: str | None,
    config_file: Path | None,
) -> None:
    """Add a silence: incidents in its scope page nobody until it ends; prints its id."""
    from muster.worker.core.decisions.silences import (
        Draft,
        SilenceRefused,
        plan_silence,
        silence_length,
    )

    loaded = load_or_exit(config_file, PlaceholderEnviron(os.environ))
    now = datetime.now(UTC).replace(microsecond=0)
    try:
        draft = Draft(
            scope=scope_from_options(services, labels, label_res, severities),
            author=author or _os_user(),
            reason=reason,
            starts=_instant(starts_text, loaded, "--starts"),
            ends=_instant(until_text, loaded, "--until"),
            length=silence_length(length, "--for"),
            source="cli",
        )
        planned = plan_silence(loaded.routing.config, draft, now)
    except SilenceRefused as refused:
        _refuse("add", str(refused), USAGE)
    from muster.worker.store import silences as stored  # judged: now the database

    database = _writer()
    try:
        with database.transaction() as session:
            added = stored.add(session, planned)
    finally:
        database.engine.dispose()
    click.echo(added.id)


@silence.command("list")
@click.option("--all", "everything", is_flag=True, help="Also those ended or expired.")
@click.option(
    "--format", "output", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@CONFIG_OPTION
def list_silences(everything: bool, output: str, config_file: Path | None) -> None:
    """List the silences holding now or to come (--all: every one), by start."""
    from muster.config.settings import Settings
    from muster.worker.cli.silence_reads import read_silences
    from muster.worker.core.decisions.silences import not_over
    from muster.worker.core.rendering.silences import silence_data, silence_line

    loaded = load_or_exit(config_file, PlaceholderEnviron(os.environ))
    now = datetime.now(UTC)
    found = not_over(read_silences(Settings(), None if everything else now), now, everything)
    if output == "json":
        click.echo(json.dumps([silence_data(s, now) for s in found], indent=2))
        return
    zone = loaded.routing.config.zone
    for one in found:
        click.echo(silence_line(one, now, zone))
    if not found:
        click.echo("no silences" if everything else "no silences holding or to come")


@silence.command("expire")
@click.argument("ident", metavar="ID")
@click.option(
    "--author",
    envvar=AUTHOR_VARIABLE,
    default=None,
    help=f"Who ends it [default: ${AUTHOR_VARIABLE}, else your OS user].",
)
def expire(ident: str, author: str | None) -> None:
    """End silence ID now: what it held pages again from its next decision."""
    from muster.worker.core.decisions.silences import EXPIRED_NOW, UNKNOWN
    from muster.worker.store import silences as stored

    database = _writer()
    try:
        with database.transaction() as session:
            outcome = stored.expire(session, ident, datetime.now(UTC), author or _os_user())
    finally:
        database.engine.dispose()
    if outcome == UNKNOWN:
        _refuse("expire", f"no silence {ident!r} (muster silence list --all shows them)")
    click.echo(f"expired {ident}" if outcome == EXPIRED_NOW else f"{ident} had ended already")


def scope_from_options(
    services: tuple[str, ...],
    labels: tuple[str, ...],
    label_res: tuple[str, ...],
    severities: tuple[str, ...],
) -> HoldScope:
    """The silence's scope from the command's options (``--label k=v``, ``--label-re k=re``):
    the same :class:`~muster.worker.core.config.maintenance.HoldScope` the web builds from its
    body's fields."""
    from muster.worker.core.decisions.silences import silence_scope

    return silence_scope(
        services, _pairs(labels, "--label"), _pairs(label_res, "--label-re"), severities
    )


def _pairs(given: tuple[str, ...], option: str) -> dict[str, str]:
    from muster.worker.core.decisions.silences import SilenceRefused

    pairs: dict[str, str] = {}
    for text in given:
        name, equals, value = text.partition("=")
        if not equals or not name:
            raise SilenceRefused(f"{option} takes LABEL=VALUE, not {text!r}")
        if name in pairs and pairs[name] != value:
            raise SilenceRefused(f"{option} {name} is given twice, with different values")
        pairs[name] = value
    return pairs


def _instant(text: str | None, loaded: LoadedConfig, option: str) -> datetime | None:
    from muster.worker.core.decisions.silences import SilenceRefused
    from muster.worker.core.paging.rotations import as_utc

    if text is None:
        return None
    if text == "now":
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise SilenceRefused(
            f"{option} {text!r} is not a time: use 2026-11-25T12:00:00Z, 2026-11-25T12:00"
            " (config timezone) or now"
        ) from None
    try:
        return as_utc(moment, loaded.routing.config.zone)
    except OverflowError:
        raise SilenceRefused(f"{option} {text!r} is out of the calendar") from None


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def _writer() -> Database:
    """The worker's database, as the worker left it: no migration (the worker's to do)."""
    from muster.config.settings import Settings
    from muster.worker.cli.reading import writable_database

    return writable_database(Settings())


def _refuse(command: str, message: str, status: int = BAD_INPUT) -> NoReturn:
    click.echo(f"muster silence {command}: {message}", err=True)
    raise SystemExit(status)
