"""``muster import``: a routing config from the files a team keeps when it leaves another pager.

The translation is pure (:mod:`muster.config.importers`); this command reads the files, prints
the report, and writes the config — never over an existing file unless ``--force``, and an
unchanged file is left as it is, so re-running the import is safe.
"""

from __future__ import annotations

import importlib
from datetime import UTC, datetime
from pathlib import Path

import click

from muster.config.importers import SOURCES
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
def import_config(
    source: str,
    paths: tuple[Path, ...],
    plan: bool,
    output: Path,
    people: Path | None,
    force: bool,
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
    if plan:
        return
    text = render(imported, imported.report.source)
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
