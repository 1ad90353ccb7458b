"""``muster config diff OLD NEW``: what an edit of the routing config changes for people, before
it ships (issue 24). Either side is a file or ``git:REF:PATH`` (read with ``git show``), so a CI
job can diff a pull request's config against main's and post the markdown as a comment; the exit
status tells the job whether anything changes for people (1) or the edit brings a risk (2).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click

from muster.worker.cli.placeholders import PlaceholderEnviron
from muster.worker.core.checks.diff import FORMATS, RISKY

if TYPE_CHECKING:  # the engine is imported when a diff runs, not to list `muster config`
    from muster.config.loader import LoadedConfig
    from muster.worker.core.intake.alerts import AlertWebhook

GIT = "git:"
"""The prefix of a side read from the repository: ``git:REF:PATH``."""


@click.command("diff")
@click.argument("old")
@click.argument("new")
@click.option(
    "--from",
    "start",
    default=None,
    help="Where the horizon starts: now (default), an RFC 3339 time, or a wall-clock time in "
    "NEW's timezone.",
)
@click.option(
    "--days",
    type=click.IntRange(min=1),
    default=14,
    show_default=True,
    help="How many days of shifts to compare.",
)
@click.option(
    "--alerts",
    "alerts_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="A folder of webhook bodies (*.json, Alertmanager's or Grafana's): list the alerts "
    "OLD's and NEW's intake rules classify differently.",
)
@click.option("--format", "shown", type=click.Choice(FORMATS), default="text", show_default=True)
@click.option(
    "--notify",
    is_flag=True,
    help="The edit is live: have the worker tell each person whose shifts it moves, once.",
)
def diff(
    old: str,
    new: str,
    start: str | None,
    days: int,
    alerts_dir: Path | None,
    shown: str,
    notify: bool,
) -> None:
    """Show what changes for people from config OLD to NEW: risks first, then shifts, pages
    and escalations, maintenance windows, heartbeat monitors, alerts (--alerts) and policy.

    OLD and NEW are files or git:REF:PATH (e.g. git:origin/main:routing.yaml). Exit status: 0
    nothing changes for people, 1 something does, 2 the edit brings a new risk or NEW is invalid.
    """
    from muster.worker.cli.common import parse_at
    from muster.worker.core.checks.diff.changes import config_diff
    from muster.worker.core.checks.diff.report import (
        diff_data,
        diff_markdown,
        diff_text,
    )
    from muster.worker.core.paging.duties import LONGEST

    if days > LONGEST.days:
        raise click.BadParameter(f"at most {LONGEST.days} days", param_hint="--days")
    before = _load(old)
    after = _load(new)
    moment = parse_at(start, after, "--from")
    bodies = _bodies(alerts_dir) if alerts_dir is not None else []
    changes = config_diff(before.routing, after.routing, moment, timedelta(days=days), bodies)
    config = after.routing.config
    names = {**_names(before), **_names(after)}
    if shown == "json":
        click.echo(json.dumps(diff_data(changes), indent=2))
    elif shown == "markdown":
        click.echo(diff_markdown(changes, names, config.zone), nl=False)
    else:
        click.echo(diff_text(changes, names, config.zone), nl=False)
    if notify:
        from muster.worker.cli.edit_notice import queue_edit_notice

        queue_edit_notice(before, after, moment, days)
    raise SystemExit(changes.status)


def _names(loaded: LoadedConfig) -> dict[str, str]:
    return {key: person.name for key, person in loaded.routing.config.people.items()}


def _load(side: str) -> LoadedConfig:
    """Load one side with placeholders for unset ``${NAME}`` (a diff sends nothing, and CI has
    no secrets); an unreadable or invalid side is its errors and exit status 2."""
    from muster.config.loader import load_config, load_text
    from muster.worker.core.config.issues import ConfigError

    environ = PlaceholderEnviron(os.environ)
    try:
        if side.startswith(GIT):
            return load_text(_git_show(side), side, environ)
        return load_config(side, environ)
    except ConfigError as invalid:
        for issue in invalid.issues:
            click.echo(str(issue), err=True)
        count = len(invalid.errors)
        click.echo(f"{side}: invalid, {count} error{'s' if count != 1 else ''}", err=True)
        raise SystemExit(RISKY) from None


def _bodies(folder: Path) -> list[tuple[str, AlertWebhook]]:
    """Every ``*.json`` webhook body in ``folder``, by name; one that is not a body is one line
    and exit status 2."""
    from pydantic import ValidationError

    from muster.worker.core.intake.alerts import AlertWebhook

    bodies = []
    for path in sorted(folder.glob("*.json")):
        try:
            bodies.append((path.name, AlertWebhook.model_validate_json(path.read_bytes())))
        except ValidationError as invalid:
            first = invalid.errors()[0]
            where = ".".join(str(part) for part in first["loc"]) or "the body"
            _fail(f"{path}: not a webhook body: {where}: {first['msg']}")
        except OSError as unreadable:
            _fail(f"{path}: cannot read it: {unreadable.strerror}")
    return bodies


def _git_show(side: str) -> str:
    """The text of ``git:REF:PATH`` in the repository of the current directory."""
    ref, _, path = side.removeprefix(GIT).partition(":")
    if not ref or not path:
        _fail(f"{side}: write a git side as git:REF:PATH, e.g. git:origin/main:routing.yaml")
    git = shutil.which("git")
    if git is None:
        _fail(f"{side}: git is not installed, so a git:REF:PATH side cannot be read")
    done = subprocess.run(  # noqa: S603 - git from PATH, the ref and path as separate arguments
        [git, "show", f"{ref}:{path}"], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        reason = (done.stderr.strip().splitlines() or ["git show failed"])[-1]
        _fail(f"{side}: cannot read it from git: {reason.removeprefix('fatal: ')}")
    return done.stdout


def _fail(message: str) -> NoReturn:
    click.echo(message, err=True)
    raise SystemExit(RISKY)
