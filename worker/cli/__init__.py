"""The ``muster`` command: config checks and routing dry runs for ops (more verbs join later)."""

from __future__ import annotations

import click

from worker.cli.config_commands import config_group
from worker.cli.route import route


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="muster")
def cli() -> None:
    """muster: incident paging and escalation, routed by an ops-edited config."""


cli.add_command(config_group)
cli.add_command(route)


def main() -> None:
    """Entry point of the ``muster`` console script."""
    cli()
