"""Opsgenie: its Terraform (``.tf`` and state) and REST API v2 dumps → a muster config.

:mod:`.reading` reads both kinds of files into one :class:`.model.Export`; :mod:`.turns` says
who a rotation has on call when; :mod:`.schedules` turns schedules into rotations and overrides;
:mod:`.escalation` escalations into services; :mod:`.translate` puts them together with the
report.
"""

from __future__ import annotations

from datetime import datetime

from muster.config.importers.collecting import gather
from muster.config.importers.opsgenie.model import Export
from muster.config.importers.opsgenie.reading import from_sources
from muster.config.importers.opsgenie.translate import SOURCE, translate
from muster.config.importers.people import PeopleTable
from muster.config.importers.sources import Documents
from muster.config.importers.writer import Imported

__all__ = ["SOURCE", "import_documents", "read_export"]


def read_export(documents: Documents) -> Export:
    """Everything Opsgenie-shaped in a team's files: Terraform, state and API dumps alike."""
    resources, dumps = gather(documents)
    return from_sources(resources, dumps)


def import_documents(documents: Documents, people: PeopleTable, now: datetime) -> Imported:
    """Translate a team's Opsgenie files (already read) as of ``now``."""
    return translate(read_export(documents), people, now)
