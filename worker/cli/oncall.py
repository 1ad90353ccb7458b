"""``muster oncall``: who is on call for each role and service, since when, until when, and who
is next; with ``--until``, every shift in a range. Final shifts: overrides applied, gaps shown
(:mod:`muster.worker.core.paging.shifts`). Reads the config alone, and for a question starting
in the past the overrides pruned from its file (:mod:`muster.worker.cli.override_history`)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from muster.worker.cli.common import CONFIG_OPTION, load_or_exit, parse_at
from muster.worker.cli.override_history import reaches_past, with_pruned
from muster.worker.core.paging.duties import listing, listing_problem
from muster.worker.core.paging.shifts import REACH
from muster.worker.core.rendering.oncall import oncall_data, oncall_text


@click.command("oncall")
@click.option(
    "--at",
    "at_text",
    default=None,
    help="When: RFC 3339, a config-timezone wall time, or now (the default).",
)
@click.option(
    "--until",
    "until_text",
    default=None,
    help="List every shift from --at until this time instead of the holder and next handoffs.",
)
@click.option("--role", default=None, help="Only the rotation holding this role.")
@click.option("--service", default=None, help="Only the SME rotation of this service.")
@click.option("--person", default=None, help="Only this person's shifts.")
@click.option(
    "--handoffs",
    type=click.IntRange(0, 50),
    default=2,
    show_default=True,
    help="How many next handoffs to show (without --until).",
)
@CONFIG_OPTION
@click.option(
    "--format", "output", type=click.Choice(["text", "json"]), default="text", show_default=True
)
def oncall(
    at_text: str | None,
    until_text: str | None,
    role: str | None,
    service: str | None,
    person: str | None,
    handoffs: int,
    config_file: Path | None,
    output: str,
) -> None:
    """Show who is on call for each role and service, since when, until when, and who is next."""
    loaded = load_or_exit(config_file)
    routing = loaded.routing
    at = parse_at(at_text, loaded)
    until = None if until_text is None else parse_at(until_text, loaded, "--until")
    problem = listing_problem(routing.config, at, until, role=role, service=service, person=person)
    if problem is not None:
        raise click.UsageError(problem)
    if reaches_past(at_text, at):
        routing = with_pruned(routing, at - REACH, "oncall")
    duties = listing(
        routing, at, until, role=role, service=service, person=person, handoffs=handoffs
    )
    data = oncall_data(routing, duties, at, until)
    if output == "json":
        click.echo(json.dumps(data, indent=2))
    else:
        click.echo(oncall_text(data, routing.config.zone))
