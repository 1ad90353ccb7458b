"""``muster import``: a routing config from the files a team keeps when it leaves another pager.

The translation is pure (:mod:`muster.config.importers`); this command reads the files, prints
the report, and writes the config — never over an existing file unless ``--force``, and an
unchanged file is left as it is, so re-running the import is safe.
"""

from __future__ import annotations

import importlib
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from muster.config.importers import SOURCES

if TYPE_CHECKING:
    from muster.config.importers.writer import Imported
from muster.worker.cli.failures import BAD_INPUT


@click.command("import")
@click.argument("source", type=click.Choice(sorted(SOURCES)))
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path, exists=False))
@click.option("--plan", is_flag=True, help="Print the report only; write nothing.")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("routing.yaml"),
    show_default=True,
    help="Where to write the config.",
)
@click.option(
    "--people",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A CSV of people's addresses (username or email, name, email, sms, chat...).",
)
@click.option("--force", is_flag=True, help="Overwrite --output if it exists.")
@click.option(
    "--check-shifts",
    "feeds",
    multiple=True,
    metavar="[ROTATION=]FEED.ics",
    help="Compare the imported rotation with the source's calendar export of final shifts"
    " (matched by the feed's calendar name unless ROTATION= names it); repeatable.",
)
def import_config(
    source: str,
    paths: tuple[Path, ...],
    plan: bool,
    output: Path,
    people: Path | None,
    force: bool,
    feeds: tuple[str, ...],
) -> None:
    """Import SOURCE's Terraform, state or API dumps at PATH... into a muster routing config."""
    from muster.config.importers.people import PeopleTable, read_people
    from muster.config.importers.sources import SourceError, read_documents
    from muster.config.importers.writer import render

    module_name, _, attribute = SOURCES[source].partition(":")
    translate = getattr(importlib.import_module(module_name), attribute)
    try:
        documents = read_documents(paths)
        table = PeopleTable()
        if people is not None:
            table = read_people(_read(people), str(people))
        imported = translate(documents, table, datetime.now(UTC))
    except SourceError as problem:
        click.echo(f"muster import: {problem}", err=True)
        raise SystemExit(BAD_INPUT) from None
    click.echo(imported.report.render())
    if imported.empty:
        click.echo(
            "muster import: nothing to page came of these files: no config written", err=True
        )
        raise SystemExit(BAD_INPUT)
    text = render(imported, imported.report.source)
    mismatched = _check_shifts(imported, text, feeds)
    if not plan:
        _write(output, text, force)
    if mismatched:
        raise SystemExit(BAD_INPUT)


def _check_shifts(imported: Imported, text: str, feeds: tuple[str, ...]) -> bool:
    """Print each feed's comparison; whether any found a mismatch."""
    from muster.config.importers.shift_check import check_imported
    from muster.config.importers.sources import SourceError
    from muster.config.loader import load_text
    from muster.worker.core.config.issues import ConfigError

    if not feeds:
        return False
    try:
        named = []
        for feed in feeds:
            rotation, named_one, path = feed.partition("=")  # a rotation's name has no "="
            if not named_one:
                rotation, path = "", feed
            named.append((rotation or None, path, _read(Path(path))))
        routing = load_text(text, "the imported config", environ={}).routing
        checks = check_imported(
            routing, imported.rotation_names, imported.person_names, named, imported.horizon
        )
    except SourceError as problem:
        click.echo(f"muster import: {problem}", err=True)
        raise SystemExit(BAD_INPUT) from None
    except ConfigError:
        click.echo("muster import: the imported config does not load; please report it", err=True)
        raise SystemExit(BAD_INPUT) from None
    for check in checks:
        click.echo(check.render())
    return any(check.mismatches for check in checks)


def _write(output: Path, text: str, force: bool) -> None:
    """Write the config, unless it is there already or another file is in the way."""
    from muster.config.importers.sources import SourceError

    try:
        if output.exists():
            if _read(output) == text:
                click.echo(f"{output}: unchanged")
                return
            if not force:
                raise SourceError(f"{output} exists: pass --force to replace it")
        output.write_text(text, encoding="utf-8")
    except OSError as failure:
        click.echo(f"muster import: cannot write {output} ({failure.strerror})", err=True)
        raise SystemExit(BAD_INPUT) from None
    except SourceError as problem:
        click.echo(f"muster import: {problem}", err=True)
        raise SystemExit(BAD_INPUT) from None
    click.echo(f"{output}: written; check it with muster config check {output}")


def _read(path: Path) -> str:
    from muster.config.importers.sources import SourceError

    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as failure:
        raise SourceError(f"{path}: cannot read it ({failure})") from None
