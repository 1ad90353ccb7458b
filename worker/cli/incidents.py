"""``muster incidents``: what is open now, who was paged and who acknowledged, and what happens
next, read from the database on an engine that cannot write (the worker may hold its lock)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import click

from muster.worker.cli.ops import runtime_or_exit


@click.command("incidents")
@click.option("--all", "everything", is_flag=True, help="Resolved incidents too.")
@click.option(
    "--state", default=None, help="Only incidents in this state (resolved implies --all)."
)
@click.option("--severity", default=None, help="Only incidents of this severity (SEV1…).")
@click.option("--service", default=None, help="Only incidents impacting this service.")
@click.option(
    "--since",
    "since_text",
    default=None,
    help="Only incidents declared since: RFC 3339, or a config-timezone wall time.",
)
@click.option(
    "--format", "output", type=click.Choice(["text", "json"]), default="text", show_default=True
)
def incidents(
    everything: bool,
    state: str | None,
    severity: str | None,
    service: str | None,
    since_text: str | None,
    output: str,
) -> None:
    """List open incidents: severity, services, state, age, who was paged and acknowledged, and
    what is next."""
    from muster.config.settings import Settings
    from muster.config.watch import ConfigSource
    from muster.worker.cli.common import parse_at
    from muster.worker.cli.reading import read_only_database
    from muster.worker.core.rendering.incident_list import incidents_data, incidents_text
    from muster.worker.store.good_config import DatabaseKeeper
    from muster.worker.store.open_incidents import open_incidents
    from muster.worker.store.wanted import Wanted

    settings = Settings()
    database = read_only_database(settings)
    keeper = DatabaseKeeper(database.engine, writes=False)
    source = runtime_or_exit(lambda: ConfigSource(settings.config, keeper=keeper), "incidents")
    loaded = source.current()
    since = None if since_text is None else parse_at(since_text, loaded, "--since")
    wanted = Wanted(everything, state, severity, service, since)
    now = datetime.now(UTC)
    try:
        with database.sessions() as session:
            listed = open_incidents(session, loaded.routing, wanted)
    finally:
        database.engine.dispose()
    data = incidents_data(loaded.routing, listed, now)
    if output == "json":
        click.echo(json.dumps(data, indent=2))
    else:
        click.echo(incidents_text(data, loaded.routing.config.zone))
