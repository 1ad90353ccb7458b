"""The ``MUSTER_*`` settings table: :class:`muster.config.settings.Settings` renders its own."""

from __future__ import annotations

from muster.config.settings import settings_table


def table() -> str:
    """One row a variable: its name, default and meaning, as the settings class defines them."""
    return settings_table()
