"""The ``muster`` command: produce messages, run the worker, check config, dry-run routing.

A command's module is imported only when that command runs (click's lazy group pattern): a
shell script calls ``muster declare`` or ``muster route`` in a loop, and each call would
otherwise pay for importing Celery, Apprise, SQLAlchemy and FastAPI, which most commands never
use (issue 19: 1.2 s for ``muster --help``). ``muster --help`` lists the commands from
:data:`COMMANDS` without importing any of them.
"""

from __future__ import annotations

import importlib
import os
from typing import NamedTuple

import click


class Entry(NamedTuple):
    """Where a command lives (``module:attribute``) and its one-line summary for the listing."""

    target: str
    summary: str
    hidden: bool = False


# Each summary is its command's docstring's first sentence (a test keeps them equal).
COMMANDS: dict[str, Entry] = {
    "ack": Entry("muster.worker.cli.producer:ack", "Acknowledge PERSON's page for INCIDENT_ID."),
    "ack-server": Entry(
        "muster.worker.cli.ops:ack_server",
        "Former name of ``muster web`` (which serves the Acknowledge links now).",
        hidden=True,
    ),
    "beat": Entry(
        "muster.worker.cli.ops:beat",
        "Run beat, the periodic scheduler: run two, on different hosts, so losing one stops no "
        "timer (the scan and the sweeper are safe to repeat; see docs/operations/production.md).",
    ),
    "calendar": Entry(
        "muster.worker.cli.calendar:calendar", "On-call shifts for calendars and payroll."
    ),
    "config": Entry(
        "muster.worker.cli.config_commands:config_group",
        "Check routing config files, and show what an edit of one changes for people.",
    ),
    "db": Entry("muster.worker.cli.ops:db", "The database schema."),
    "dead-letters": Entry(
        "muster.worker.cli.dead_letters:dead_letters",
        "Messages that could not be handled, kept for ops to fix and replay (or discard).",
    ),
    "declare": Entry("muster.worker.cli.producer:declare", "Declare an incident; prints its id."),
    "import": Entry(
        "muster.worker.cli.importing:import_config",
        "Import SOURCE's Terraform, state or API dumps at PATH... into a muster routing config.",
    ),
    "incidents": Entry(
        "muster.worker.cli.incidents:incidents",
        "List open incidents: severity, services, state, age, who was paged and acknowledged, "
        "and what is next.",
    ),
    "milestone": Entry(
        "muster.worker.cli.producer:milestone",
        "Record a milestone on INCIDENT_ID; prints the milestone id.",
    ),
    "oncall": Entry(
        "muster.worker.cli.oncall:oncall",
        "Show who is on call for each role and service, since when, until when, and who is next.",
    ),
    "override": Entry(
        "muster.worker.cli.override:override",
        "Cover a shift: overrides kept in the routing config's overrides file.",
    ),
    "resolve": Entry("muster.worker.cli.producer:resolve", "Resolve INCIDENT_ID."),
    "route": Entry(
        "muster.worker.cli.route:route",
        "Show who would be paged for an incident, and how it would escalate.",
    ),
    "silence": Entry(
        "muster.worker.cli.silence:silence",
        "Hold pages at run time: silences in the database, each with an author and an expiry.",
    ),
    "take": Entry(
        "muster.worker.cli.override:take",
        "Take the pager of ROLE's rotation now, for --for; prints the override's id.",
    ),
    "test-page": Entry(
        "muster.worker.cli.contact_check:test_page",
        "Send PERSON a test page by each contact kind (or --kind) and print each answer.",
    ),
    "timeline": Entry(
        "muster.worker.cli.ops:timeline",
        "Export INCIDENT_ID's whole timeline: the starting point of the incident review.",
    ),
    "web": Entry(
        "muster.worker.cli.ops:web",
        "Serve the web intake: webhooks, the contract over HTTP, Acknowledge links, health.",
    ),
    "worker": Entry(
        "muster.worker.cli.ops:worker", "Run a worker: consume messages, page, deliver, sweep."
    ),
}


RUNNING = "muster.command"


class LazyGroup(click.Group):
    """A group whose commands (:data:`COMMANDS`) are imported by name, when one is run or asked
    for."""

    lazy = COMMANDS

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.commands or cmd_name not in self.lazy:
            return super().get_command(ctx, cmd_name)
        module_name, _, attribute = self.lazy[cmd_name].target.partition(":")
        command = getattr(importlib.import_module(module_name), attribute)
        if not isinstance(command, click.Command):
            raise TypeError(f"{self.lazy[cmd_name].target} is not a click command")
        self.add_command(command, cmd_name)
        return command

    def invoke(self, ctx: click.Context) -> object:
        """Run the command; its database or broker failure is one line and an exit status
        (:mod:`muster.worker.cli.failures`), never a traceback."""
        from muster.worker.cli.failures import one_line_failures

        with one_line_failures(lambda: ctx.meta.get(RUNNING, "")):
            return super().invoke(ctx)

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        name, command, rest = super().resolve_command(ctx, args)
        ctx.meta[RUNNING] = name  # the failure line names the command
        return name, command, rest

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The listing from the summaries, importing no command."""
        shown = [(name, entry.summary) for name, entry in self.lazy.items() if not entry.hidden]
        if not shown:
            return
        limit = formatter.width - 6 - max(len(name) for name, _ in shown)
        # A bare command with the summary as its help shortens it as click would the real one.
        rows = [
            (name, click.Command(name, help=text).get_short_help_str(limit))
            for name, text in sorted(shown)
        ]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="muster")
def cli() -> None:
    """muster: incident paging and escalation, routed by an ops-edited config."""


NO_PYDANTIC_PLUGINS = ("PYDANTIC_DISABLE_PLUGINS", "__all__")
"""pydantic's own switch: without it, the first validator a process builds scans every installed
package's metadata for pydantic plugins (5-10 ms of each command, issue 19); muster uses none.
Set for the ``muster`` process (and the processes it starts) unless the environment sets it."""


def main() -> None:
    """Entry point of the ``muster`` console script."""
    os.environ.setdefault(*NO_PYDANTIC_PLUGINS)
    cli()
