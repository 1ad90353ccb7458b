"""The people an import found, as muster's ``people``, and the one-person rotations chains need.

Every source names people its own way (OnCall by username, Opsgenie by email, PagerDuty by id);
each hands its users here once, with whatever addresses its export holds, and the ``--people``
CSV fills in the rest. A chain step that pages a person by name pages ``NAME-direct``, a
rotation of just them, made on first use.
"""

from __future__ import annotations

from typing import Any

from muster.config.importers.names import Names
from muster.config.importers.people import PeopleTable
from muster.config.importers.report import Report


class Roster:
    """People by muster name, found by the source's id or any name the files call them."""

    def __init__(self, people: PeopleTable, report: Report, rotation_names: Names) -> None:
        self.people, self.report, self.rotation_names = people, report, rotation_names
        self.names = Names()
        self.persons: dict[str, dict[str, str]] = {}
        self.person_of: dict[str, str] = {}  # the source's user id → person
        self.known_as: dict[str, str] = {}  # username, email, display name (lower) → person
        self.direct: dict[str, str] = {}  # person → their one-person rotation
        self.direct_rotations: dict[str, dict[str, Any]] = {}

    def add(
        self,
        user_id: str,
        username: str,
        email: str | None,
        name: str | None,
        addresses: dict[str, str] | None = None,
        unused: list[str] | None = None,
    ) -> str:
        """Add one user (report lines included: ``unused`` are contact methods muster does
        not page by); returns their person name."""
        key = self.names.new(username.split("@", maxsplit=1)[0], "person")
        self.person_of[user_id] = key
        row = self.people.find(username, email)
        entry = {"name": (row.name if row else None) or name or username}
        if email:
            entry["email"] = email
        entry |= addresses or {}
        entry |= row.addresses if row else {}
        self.persons[key] = entry
        for known in (username, email, name, row.name if row else None):
            if known:
                self.known_as.setdefault(known.lower(), key)
        kinds = ", ".join(kind for kind in entry if kind != "name")
        if kinds:
            self.report.mapped("user", repr(username), f"person {key} ({kinds})")
        else:
            self.report.approximated(
                "user", repr(username), f"person {key} has no address: add it to --people"
            )
        if unused:
            self.report.approximated(
                "user",
                repr(username),
                f"contact methods {', '.join(sorted(set(unused)))} are not carried: add an"
                " Apprise URL for them by hand",
            )
        return key

    def person(self, user_id: str) -> str | None:
        """The person for a source's user id (or a name they are known as), if imported."""
        return self.person_of.get(user_id) or self.known_as.get(user_id.lower())

    def direct_rotation(self, user_id: str) -> str | None:
        """A rotation of just this user, for a chain's step that pages them by name."""
        person = self.person(user_id)
        if person is None:
            return None
        if person not in self.direct:
            self.direct[person] = self.rotation_names.new(f"{person}-direct")
            self.direct_rotations[self.direct[person]] = {"members": [person]}
        return self.direct[person]
