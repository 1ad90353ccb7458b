"""The README is the front door: short, and its CLI synopsis names commands that exist."""

from __future__ import annotations

import re

from muster.worker.cli import COMMANDS
from tests.harness.configs import REPO

README = REPO / "README.md"


def test_the_readme_stays_a_front_door() -> None:
    assert len(README.read_text().splitlines()) < 250


def test_the_readmes_cli_synopsis_names_real_commands() -> None:
    synopsis = README.read_text().split("## The CLI", 1)[1].split("```", 2)[1]
    named = re.findall(r"^muster ([a-z-]+)", synopsis, re.MULTILINE)
    visible = {name for name, entry in COMMANDS.items() if not entry.hidden}
    assert set(named) == visible


def test_every_docs_page_the_readme_links_exists() -> None:
    linked = re.findall(r"\]\((docs/[^)#]+)", README.read_text())
    assert linked
    assert [path for path in linked if not (REPO / path).is_file()] == []
