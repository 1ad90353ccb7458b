"""``python -m docs.tables``: rewrite every generated table in the pages under ``docs/``."""

from __future__ import annotations

import sys
from pathlib import Path

from docs.tables import TABLES
from docs.tables.markers import fill

DOCS = Path(__file__).resolve().parent.parent


def main() -> int:
    """Rewrite the pages whose tables moved; say which."""
    for page in sorted(DOCS.rglob("*.md")):
        text = page.read_text()
        filled = fill(text, TABLES)
        if filled != text:
            page.write_text(filled)
            print(f"rewrote {page.relative_to(DOCS.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
