"""How a CLI command fails when the database or the broker does: one line on stderr naming what
failed and what to do, and an exit status per class, never a traceback.

Exit statuses (docs/cli.md, "Exit statuses", lists them): 0 done; 1 bad input (a config or a
name it lacks, an unknown incident, a ``MUSTER_*`` variable that is not a valid setting); 2
usage (click's own; ``config check --strict`` warnings); 3 the database is unusable
(unreachable, corrupt, no schema); 4 the broker is unusable (unreachable, a URL no transport
takes). The classes are recognised by module name, so a
command that never touched SQLAlchemy, sqlite3 or Kombu imports none of them (``muster declare``
stays fast; ``muster web`` stays 1 MB smaller).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import click

BAD_INPUT = 1
USAGE = 2
DATABASE_UNAVAILABLE = 3
BROKER_UNAVAILABLE = 4

DATABASE_HINT = (
    "check MUSTER_DATABASE_URL, that the database is up, and that its schema is current"
    " (muster db upgrade)"
)
BROKER_HINT = "check MUSTER_BROKER_URL and that the broker is up"


class DatabaseUnavailable(Exception):
    """The database cannot be used; the message says what was found."""


def _first_line(failure: BaseException) -> str:
    cause = getattr(failure, "orig", None) or failure
    text = str(cause).strip().splitlines()
    return f"{type(cause).__name__}: {text[0]}" if text else type(cause).__name__


def _is(failure: BaseException, module: str, name: str) -> bool:
    loaded = sys.modules.get(module)
    kind = getattr(loaded, name, None) if loaded is not None else None
    return isinstance(kind, type) and isinstance(failure, kind)


def explain(failure: BaseException) -> tuple[int, str] | None:
    """The exit status and line for a database, broker or settings failure; None for anything
    else."""
    if _is(failure, "pydantic", "ValidationError") and getattr(failure, "title", "") == "Settings":
        return BAD_INPUT, f"invalid settings ({_settings_problems(failure)}): fix the environment"
    if isinstance(failure, DatabaseUnavailable):
        return DATABASE_UNAVAILABLE, f"the database is unusable ({failure}): {DATABASE_HINT}"
    if _is(failure, "sqlalchemy.exc", "SQLAlchemyError") or _is(
        failure, "sqlite3", "DatabaseError"
    ):
        # The driver's first line: what failed, never the URL's password nor the statement.
        return DATABASE_UNAVAILABLE, (
            f"the database is unusable ({_first_line(failure)}): {DATABASE_HINT}"
        )
    if _is(failure, "muster.worker.client", "BrokerUnavailable"):
        return BROKER_UNAVAILABLE, f"{failure}: {BROKER_HINT}"
    return None


def _settings_problems(invalid: BaseException) -> str:
    """Each invalid ``MUSTER_*`` variable and what is wrong with it, never its value (a URL may
    hold a password)."""
    # Imported only when a setting is wrong: `muster --help` loads no settings machinery.
    from muster.config.settings import PREFIX

    errors = invalid.errors(include_input=False, include_url=False)  # type: ignore[attr-defined]
    return "; ".join(
        PREFIX + "_".join(str(part) for part in error["loc"]).upper() + ": " + error["msg"]
        for error in errors
    )


@contextmanager
def one_line_failures(command: Callable[[], str]) -> Iterator[None]:
    """Run a command (named by ``command()`` once known); a database or broker failure becomes
    one line and its exit status."""
    try:
        yield
    except Exception as failure:
        explained = explain(failure)
        if explained is None:
            raise
        status, line = explained
        click.echo(f"muster {command()}: {line}".replace("  ", " "), err=True)
        raise SystemExit(status) from None
