"""A source object's values read field by field, the same for Terraform and for API JSON.

A Terraform value that is not literal (an :class:`Unresolved` expression) is never guessed: the
field reads as missing, and a note says which field and what expression, for the report.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from muster.config.importers.terraform import Unresolved


class Fields:
    """A resource's values, read field by field; a non-literal one is noted, not guessed."""

    def __init__(self, values: Mapping[str, Any]) -> None:
        self.values = values
        self.notes: list[str] = []

    def _get(self, key: str) -> Any:
        value = self.values.get(key)
        if isinstance(value, Unresolved) or (
            isinstance(value, list) and any(_unresolved(item) for item in value)
        ):
            self.notes.append(f"{key} = {_shown(value)} is not literal")
            return None
        return value

    def text(self, key: str) -> str | None:
        """A string (or a number, as text); None when missing, empty or not literal."""
        value = self._get(key)
        return str(value) if isinstance(value, str | int) and value != "" else None

    def number(self, key: str, default: int | None = None) -> int | None:
        """An integer (or its digits as text); ``default`` when missing or not literal."""
        value = self._get(key)
        if isinstance(value, bool):
            return default
        if isinstance(value, int):
            return value
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            return int(value)
        return default

    def texts(self, key: str) -> list[str]:
        """A list, each item as text; empty when missing or not literal."""
        value = self._get(key)
        return [str(item) for item in value] if isinstance(value, list) else []

    def numbers(self, key: str) -> list[int]:
        """A list of integers; items that are not are left out."""
        return [int(item) for item in self.texts(key) if item.lstrip("-").isdigit()]

    def groups(self, key: str) -> list[list[str]]:
        """A list of lists of text (``rolling_users``); empty when missing or not literal."""
        value = self._get(key)
        if not isinstance(value, list):
            return []
        return [[str(user) for user in group] for group in value if isinstance(group, list)]


def _unresolved(value: Any) -> bool:
    if isinstance(value, list):
        return any(_unresolved(item) for item in value)
    return isinstance(value, Unresolved)


def _shown(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_shown(item) for item in value) + "]"
    return str(value)
