"""``muster override`` and ``muster take``: covering a shift without editing the routing config.

Each writes the routing config's overrides file (:mod:`muster.config.overrides_file`), which the
worker reloads like the config. A write is refused with one line, before the file is touched,
when the config with the new file would not load (an unknown rotation or person, ``--until`` not
after ``--from``) or the cover is longer than :data:`MAX_COVER`; it holds the file's lock from
reading to writing, so concurrent writers never lose one another's overrides. Once the file
is written, the worker is asked to tell whose shifts moved (:mod:`muster.worker.cli.shift_notice`;
``--no-notify``: nobody is told). Ended overrides leave the file by ``override prune``
(:mod:`muster.worker.cli.override_prune`), into the database's history.
"""

from __future__ import annotations

import os
import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, NoReturn

import click

from muster.config.loader import LoadedConfig, load_text
from muster.config.overrides_file import OverridesText
from muster.config.overrides_store import locked, read_entries, render, write_atomically
from muster.worker.cli.common import CONFIG_OPTION, load_or_exit, parse_at
from muster.worker.cli.override_prune import prune as prune_command
from muster.worker.cli.override_prune import prune_ended
from muster.worker.cli.override_rows import instant, row, until_of
from muster.worker.cli.placeholders import PlaceholderEnviron
from muster.worker.cli.shift_notice import PERSON_VARIABLE, Cover, queue_notice
from muster.worker.core.config.durations import format_duration, parse_duration
from muster.worker.core.config.issues import ConfigError
from muster.worker.core.paging.override_change import ADDED, REMOVED

MAX_COVER = timedelta(days=31)
"""The longest override the commands write: longer cover is a change of the rotation itself."""

NOTIFY_OPTION = click.option(
    "--notify/--no-notify",
    default=True,
    show_default=True,
    help="Have the worker tell the people whose shifts this moves.",
)


@click.group("override")
def override() -> None:
    """Cover a shift: overrides kept in the routing config's overrides file."""


@override.command("add")
@click.option("--rotation", required=True, help="The rotation to cover.")
@click.option("--person", required=True, help="Who holds it instead.")
@click.option("--from", "from_text", required=True, help="RFC 3339, a config-timezone time, now.")
@click.option("--until", "until_text", required=True, help="When the rotation's turn resumes.")
@click.option("--reason", default="", help="Why, for the review (kept in the file).")
@NOTIFY_OPTION
@CONFIG_OPTION
def add(
    rotation: str,
    person: str,
    from_text: str,
    until_text: str,
    reason: str,
    notify: bool,
    config_file: Path | None,
) -> None:
    """Add an override: PERSON holds ROTATION from --from until --until; prints its id."""
    loaded = _load(config_file)
    starts = parse_at(from_text, loaded, "--from")
    until = parse_at(until_text, loaded, "--until")
    author = os.environ.get(PERSON_VARIABLE)
    cover = _write_cover(loaded, rotation, person, starts, until, reason, author)
    click.echo(cover.ident)
    if notify:
        queue_notice(cover, ADDED)


@click.command("take")
@click.option("--role", required=True, help="The role whose rotation's pager you take.")
@click.option("--for", "length", default="4h", show_default=True, help="How long: 30m, 4h, 2d.")
@click.option(
    "--person",
    envvar=PERSON_VARIABLE,
    default=None,
    help=f"Who you are in the config [default: ${PERSON_VARIABLE}].",
)
@click.option("--reason", default="took the pager", show_default=True)
@NOTIFY_OPTION
@CONFIG_OPTION
def take(
    role: str,
    length: str,
    person: str | None,
    reason: str,
    notify: bool,
    config_file: Path | None,
) -> None:
    """Take the pager of ROLE's rotation now, for --for; prints the override's id."""
    loaded = _load(config_file)
    roles = loaded.routing.config.roles
    if role not in roles:
        _refuse(f"no role {role!r}: the config defines {', '.join(sorted(roles))}")
    if not person:
        _refuse(f"who is taking it? give --person or set ${PERSON_VARIABLE}")
    try:
        cover = parse_duration(length)
    except ValueError as invalid:
        raise click.BadParameter(str(invalid), param_hint="--for") from None
    starts = datetime.now(UTC).replace(microsecond=0)
    rotation = roles[role].rotation
    taken = _write_cover(loaded, rotation, person, starts, starts + cover, reason, person)
    click.echo(taken.ident)
    if notify:
        queue_notice(taken, ADDED)


@override.command("list")
@click.option("--all", "everything", is_flag=True, help="Also the overrides that have ended.")
@click.option(
    "--prune", is_flag=True, help="First prune every override that has ended (override prune)."
)
@CONFIG_OPTION
def list_overrides(everything: bool, prune: bool, config_file: Path | None) -> None:
    """List the overrides file's overrides in force or to come (--all: every one)."""
    loaded = _load(config_file)
    now = datetime.now(UTC)
    if prune:
        prune_ended(loaded, now)
    with locked(Path(loaded.source)) as path:
        entries = read_entries(path)
    shown = [e for e in entries if everything or until_of(e, loaded) > now]
    for entry in shown:
        click.echo(row(entry, loaded))
    if not shown:
        click.echo(f"no overrides {'' if everything else 'in force or to come '}in {path}")


override.add_command(prune_command)


@override.command("remove")
@click.argument("ident", metavar="ID")
@NOTIFY_OPTION
@CONFIG_OPTION
def remove(ident: str, notify: bool, config_file: Path | None) -> None:
    """Remove the override ID from the overrides file."""
    loaded = _load(config_file)
    with locked(Path(loaded.source)) as path:
        entries = read_entries(path)
        kept = [entry for entry in entries if entry.get("id") != ident]
        if len(kept) == len(entries):
            _refuse(f"no override {ident!r} in {path} (muster override list --all shows them)")
        write_atomically(path, render(kept, Path(loaded.source)))
    click.echo(f"removed {ident}")
    removed = next(entry for entry in entries if entry.get("id") == ident)
    if notify:
        queue_notice(_cover(removed, loaded), REMOVED)


def _environ() -> PlaceholderEnviron:
    """The environment, with each unset ``${NAME}`` a placeholder: covering a shift needs the
    config's names, not its secrets (a laptop has none)."""
    return PlaceholderEnviron(os.environ)


def _load(config_file: Path | None) -> LoadedConfig:
    return load_or_exit(config_file, _environ())


def _write_cover(
    loaded: LoadedConfig,
    rotation: str,
    person: str,
    starts: datetime,
    until: datetime,
    reason: str,
    author: str | None,
) -> Cover:
    config = loaded.routing.config
    if rotation not in config.rotations:
        _refuse(f"no rotation {rotation!r}: the config defines {', '.join(config.rotations)}")
    if person not in config.people:
        _refuse(f"no person {person!r} in the config")
    if until <= starts:
        _refuse("--until must be after --from")
    if until - starts > MAX_COVER:
        _refuse(
            f"an override of {format_duration(until - starts)} is longer than"
            f" {format_duration(MAX_COVER)}: change the rotation instead"
        )
    source = Path(loaded.source)
    with locked(source) as path:
        entries = read_entries(path)
        taken = {entry.get("id") for entry in entries}
        ident = _new_id(taken)
        entry: dict[str, Any] = {
            "id": ident,
            "rotation": rotation,
            "person": person,
            "from": starts.isoformat(),
            "until": until.isoformat(),
            "reason": reason,
            **({"author": author} if author else {}),
            "created": datetime.now(UTC).replace(microsecond=0).isoformat(),
        }
        text = render([*entries, entry], source)
        try:
            load_text(loaded.text, loaded.source, _environ(), OverridesText(text, str(path)))
        except ConfigError as invalid:
            first = invalid.errors[0] if invalid.errors else invalid
            _refuse(f"refused, the config would not load: {first}")
        write_atomically(path, text)
    return Cover(ident, rotation, person, starts, until, reason)


def _new_id(taken: set[Any]) -> str:
    while True:
        ident = f"ov-{secrets.token_hex(4)}"
        if ident not in taken:
            return ident


def _cover(entry: dict[str, Any], loaded: LoadedConfig) -> Cover:
    """An entry of the file as its notice tells it."""
    return Cover(
        str(entry.get("id")),
        str(entry.get("rotation")),
        str(entry.get("person")),
        instant(entry.get("from"), loaded),
        until_of(entry, loaded),
        str(entry.get("reason") or ""),
    )


def _refuse(message: str) -> NoReturn:
    click.echo(f"muster: {message}", err=True)
    raise SystemExit(1)
