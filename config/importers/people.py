"""People's contact addresses from a ``--people`` CSV, for sources whose exports lack them.

OnCall's API returns no phone numbers and its Terraform names users only by username; the team
lists them once: a header row with ``username`` (or ``email``, to match by), optionally ``name``,
and one column per contact kind (``email``, ``sms``, ``chat``…, the kinds of muster's
``contacts``).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from muster.config.importers.sources import SourceError

KEYS = ("username", "email")


@dataclass(frozen=True)
class PersonRow:
    """One CSV row: who, their display name, and an address per contact kind."""

    username: str | None
    name: str | None
    addresses: dict[str, str]


@dataclass(frozen=True)
class PeopleTable:
    """The CSV's rows, found by username or by email."""

    rows: tuple[PersonRow, ...] = ()

    def find(self, username: str, email: str | None) -> PersonRow | None:
        """The row for this user: its username first, else its email."""
        for row in self.rows:
            if row.username and row.username.lower() == username.lower():
                return row
        if email:
            for row in self.rows:
                if row.addresses.get("email", "").lower() == email.lower():
                    return row
        return None


def read_people(text: str, source: str = "people.csv") -> PeopleTable:
    """The table in ``text``; :class:`SourceError` when it has no column to match people by."""
    reader = csv.DictReader(io.StringIO(text))
    header = [column.strip().lower() for column in reader.fieldnames or []]
    if not any(key in header for key in KEYS):
        raise SourceError(f"{source}: needs a header row with a username or email column")
    rows = []
    for record in reader:
        values = {
            (key or "").strip().lower(): (value or "").strip()
            for key, value in record.items()
            if isinstance(value, str)
        }
        addresses = {
            kind: value
            for kind, value in values.items()
            if kind not in ("username", "name") and value
        }
        rows.append(
            PersonRow(
                username=values.get("username") or None,
                name=values.get("name") or None,
                addresses=addresses,
            )
        )
    return PeopleTable(tuple(rows))
