"""``muster test-page PERSON [--kind K]``: check a person's contact details before their shift.

Sends a clearly marked test page ("TEST — no incident") by each of the person's contact kinds
(or one), at once, through the worker's own sending path (:mod:`muster.worker.deliveries.
contact_check`): no worker need run. Each is recorded as a delivery, and the command prints
what each provider answered, one line a kind: ``sent``, or the provider's error with addresses
and secrets masked. Exit 0: all sent; 1: some failed; 2: an unknown person or kind (one line).
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import NoReturn

import click

from muster.worker.cli.common import CONFIG_OPTION, load_or_exit
from muster.worker.cli.failures import USAGE
from muster.worker.cli.shift_notice import who_runs

SOME_FAILED = 1


@click.command("test-page")
@click.argument("person")
@click.option("--kind", default=None, help="Only this contact kind (default: each of theirs).")
@CONFIG_OPTION
def test_page(person: str, kind: str | None, config_file: Path | None) -> None:
    """Send PERSON a test page by each contact kind (or --kind) and print each answer."""
    from muster.channels.sender import AppriseSender
    from muster.config.settings import Settings
    from muster.config.watch import ConfigSource
    from muster.worker.deliveries.contact_check import send_test_pages
    from muster.worker.log_setup import configure_logging
    from muster.worker.runtime import Runtime, retry_policy
    from muster.worker.store.db import Database, database_url

    # Warnings must be on: the sender reads a failed send's reason from Apprise's warning. The
    # answers printed below carry each one (masked); the log lines would only repeat them.
    configure_logging("WARNING", io.StringIO())
    settings = Settings()
    loaded = load_or_exit(config_file)  # the real environment: a page needs the real secrets
    routing = loaded.routing
    if person not in routing.config.people:
        _refuse(f"no person {person!r} in the config")
    kinds = routing.contact_kinds(person)
    if kind is not None and kind not in kinds:
        _refuse(
            f"{person} cannot be reached by {kind!r} (an address and a contact template):"
            f" their kinds are {', '.join(kinds) or 'none'}"
        )
    if not kinds:
        _refuse(f"{person} has no contact kind with a template in the config")
    rt = Runtime(
        database=Database.connect(database_url(settings)),
        config=ConfigSource(loaded.source, os.environ),
        sender=AppriseSender(secrets=routing.secrets),
        retry=retry_policy(settings),
        settings=settings,
    )
    try:
        answers = send_test_pages(rt, person, [kind] if kind else list(kinds), who_runs())
    finally:
        rt.database.engine.dispose()
    for answer in answers:
        click.echo(f"{answer.kind}: {'sent' if answer.sent else f'failed: {answer.error}'}")
    if not all(answer.sent for answer in answers):
        raise SystemExit(SOME_FAILED)


def _refuse(message: str) -> NoReturn:
    click.echo(f"muster: {message}", err=True)
    raise SystemExit(USAGE)
