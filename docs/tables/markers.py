"""Finding and refilling the marked tables of a page.

A table lives between ``<!-- table:NAME -->`` and ``<!-- /table:NAME -->``, each on a line of
its own, so the page's prose around it is left exactly as written.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

MARKED = re.compile(
    r"^<!-- table:(?P<name>[a-z0-9-]+) -->\n(?P<body>.*?)^<!-- /table:(?P=name) -->$",
    re.MULTILINE | re.DOTALL,
)


def names(page: str) -> list[str]:
    """The tables a page holds, in order."""
    return [match["name"] for match in MARKED.finditer(page)]


def fill(page: str, tables: Mapping[str, Callable[[], str]]) -> str:
    """The page with each marked table written afresh (an unknown name is an error)."""

    def refill(match: re.Match[str]) -> str:
        name = match["name"]
        if name not in tables:
            raise KeyError(f"no table named {name!r}: known are {', '.join(sorted(tables))}")
        return f"<!-- table:{name} -->\n{tables[name]()}\n<!-- /table:{name} -->"

    return MARKED.sub(refill, page)
