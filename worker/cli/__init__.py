"""The ``muster`` command: produce messages, run the worker, check config, dry-run routing."""

from __future__ import annotations

import click

from muster.worker.cli.config_commands import config_group
from muster.worker.cli.dead_letters import dead_letters
from muster.worker.cli.ops import ack_server, beat, db, timeline, web, worker
from muster.worker.cli.producer import ack, declare, milestone, resolve
from muster.worker.cli.route import route


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="muster")
def cli() -> None:
    """muster: incident paging and escalation, routed by an ops-edited config."""


for command in (
    config_group,
    route,
    declare,
    milestone,
    ack,
    ack_server,
    web,
    resolve,
    timeline,
    worker,
    beat,
    db,
    dead_letters,
):
    cli.add_command(command)


def main() -> None:
    """Entry point of the ``muster`` console script."""
    cli()
