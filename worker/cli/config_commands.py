"""``muster config check``: is this config safe to serve? All errors at once, then the warnings.
``muster config diff`` (:mod:`muster.worker.cli.config_diff`) is in the same group."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import click

from muster.channels.target_check import target_warnings
from muster.config.settings import Settings
from muster.config.yaml_document import parse_yaml
from muster.worker.cli.common import load_or_exit
from muster.worker.cli.config_diff import diff
from muster.worker.cli.placeholders import PlaceholderEnviron
from muster.worker.core.checks.lint import lint
from muster.worker.core.checks.secret_lint import literal_secrets
from muster.worker.core.rendering.windows import upcoming_windows


@click.group("config")
def config_group() -> None:
    """Check routing config files, and show what an edit of one changes for people."""


config_group.add_command(diff)


@config_group.command("check")
@click.argument("path", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--strict", is_flag=True, help="Exit non-zero on warnings too.")
@click.option(
    "--without-secrets",
    is_flag=True,
    help="Treat unset ${NAME} variables as placeholders (for CI that has no secrets).",
)
def check(path: Path | None, strict: bool, without_secrets: bool) -> None:
    """Validate PATH (default: $MUSTER_CONFIG, else the demo config) and lint what is dangerous."""
    path = path or Settings().config
    environ = PlaceholderEnviron(os.environ) if without_secrets else os.environ
    loaded = load_or_exit(path, environ)
    placeholders = [f"<{name}>" for name in getattr(environ, "missing", ())]
    now = datetime.now(UTC)
    issues = lint(loaded.routing, now) + target_warnings(
        loaded.routing, skip=lambda url: any(mark in url for mark in placeholders)
    )
    issues += literal_secrets(parse_yaml(loaded.text)[0])
    warnings = [loaded.locate(issue) for issue in issues]
    for issue in warnings:
        click.echo(str(issue), err=True)
    config = loaded.routing.config
    counts = [
        f"{len(config.severity.levels)} severities",
        f"{len(config.roles)} roles",
        f"{len(config.services)} services",
        f"{len(config.rotations)} rotations",
        f"{len(config.people)} people",
        f"{len(config.overrides)} overrides",
    ]
    if config.heartbeats:
        counts.append(f"{len(config.heartbeats)} heartbeats")
    if config.maintenance.windows:
        counts.append(f"{len(config.maintenance.windows)} maintenance windows")
    note = f"{len(warnings)} warning{'s' if len(warnings) != 1 else ''}"
    if isinstance(environ, PlaceholderEnviron) and environ.missing:
        note += f"; unset variables left as placeholders: {', '.join(sorted(set(environ.missing)))}"
    click.echo(f"{path}: OK - {', '.join(counts)} ({note})")
    for line in upcoming_windows(config, now):
        click.echo(line)
    if strict and warnings:
        raise SystemExit(2)
