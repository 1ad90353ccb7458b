"""The reference tables of the docs are the code's own word: settings, config keys, metrics and
the contract's fields are generated from the classes and objects that define them, and a
committed table that differs from what the code gives fails here."""

from __future__ import annotations

from pathlib import Path

import pytest

from docs.tables import TABLES
from docs.tables.markers import fill, names
from tests.harness.configs import REPO

PAGES = sorted((REPO / "docs").rglob("*.md"))
REGENERATE = "run `.venv/bin/python -m docs.tables` and commit the pages it rewrites"


@pytest.mark.parametrize("page", PAGES, ids=lambda page: str(page.relative_to(REPO)))
def test_each_committed_table_is_what_the_code_gives(page: Path) -> None:
    text = page.read_text()
    assert fill(text, TABLES) == text, f"{page.relative_to(REPO)}: a table is stale: {REGENERATE}"


def test_every_table_appears_in_exactly_one_page() -> None:
    placed = [name for page in PAGES for name in names(page.read_text())]
    assert sorted(placed) == sorted(TABLES)


def test_a_table_is_rewritten_between_its_markers_only() -> None:
    page = "Before.\n\n<!-- table:settings -->\nstale\n<!-- /table:settings -->\n\nAfter.\n"
    filled = fill(page, {"settings": lambda: "| fresh |"})
    assert (
        filled
        == "Before.\n\n<!-- table:settings -->\n| fresh |\n<!-- /table:settings -->\n\nAfter.\n"
    )


def test_an_unknown_table_name_is_an_error_naming_it() -> None:
    with pytest.raises(KeyError, match="no table named 'nothing'"):
        fill("<!-- table:nothing -->\n<!-- /table:nothing -->\n", TABLES)
