"""Reference tables the pages hold, written from the code so they cannot drift.

Each table sits in a page between ``<!-- table:NAME -->`` and ``<!-- /table:NAME -->``;
``python -m docs.tables`` rewrites them all, and ``tests/docs`` fails while a committed table
differs from what the code gives. A page's prose explains; the table is the code's own word.
"""

from __future__ import annotations

from collections.abc import Callable

from docs.tables import config_keys, contract, metrics, settings

TABLES: dict[str, Callable[[], str]] = {
    "settings": settings.table,
    "config-keys": config_keys.table,
    "metrics": metrics.table,
    **contract.TABLES,
}
"""Every generated table by its marker name."""
