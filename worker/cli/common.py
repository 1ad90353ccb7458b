"""What the CLI's commands share: loading a config with a clear failure, and parsing times."""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

import click

from muster.config.loader import LoadedConfig, load_config
from muster.config.settings import Settings
from muster.worker.core.config.issues import ConfigError
from muster.worker.core.paging.rotations import as_utc

CONFIG_OPTION = click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Routing config file [default: $MUSTER_CONFIG, else the packaged demo config].",
)


def load_or_exit(path: Path | None, environ: Mapping[str, str] | None = None) -> LoadedConfig:
    """Load the config, or print every error to stderr and exit with status 1."""
    try:
        return load_config(
            path or Settings().config, environ if environ is not None else os.environ
        )
    except ConfigError as invalid:
        for issue in invalid.issues:
            click.echo(str(issue), err=True)
        count = len(invalid.errors)
        click.echo(f"{invalid.source}: invalid, {count} error{'s' if count != 1 else ''}", err=True)
        raise SystemExit(1) from None


EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(9000, 1, 1, tzinfo=UTC)
"""The instants ``--at`` and its kin take: rotations, calendars and diffs count days from them,
and an instant near the calendar's ends (9999-12-31) overflowed that arithmetic, a traceback
where one line belongs."""


def parse_at(text: str | None, loaded: LoadedConfig, option: str = "--at") -> datetime:
    """``--at`` (or ``option``): ``now``, an RFC 3339 time, or a wall-clock time in the config's
    timezone."""
    if text is None or text == "now":
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(
            f"{text!r} is not a time: use 2026-11-25T12:00:00Z, 2026-11-25T12:00 (config timezone)"
            " or now",
            param_hint=option,
        ) from None
    try:
        instant = as_utc(moment, loaded.routing.config.zone)
    except OverflowError:  # 0001-01-01 east of UTC, 9999-12-31 west of it
        instant = datetime.max.replace(tzinfo=UTC)
    if not EARLIEST <= instant < LATEST:
        raise click.BadParameter(
            f"{text!r} is out of range: give a time from {EARLIEST.year} to {LATEST.year - 1}",
            param_hint=option,
        )
    return instant
