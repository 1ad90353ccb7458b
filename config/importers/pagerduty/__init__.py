"""PagerDuty: its Terraform (``.tf`` and state) → a muster config.

:mod:`.reading` reads the files into one :class:`.model.Export`; :mod:`.layers` says who a
layer has on call when; :mod:`.schedules` turns schedules into rotations and overrides;
:mod:`.translate` escalation policies and services into services, with the report.
"""

from __future__ import annotations

from datetime import datetime

from muster.config.importers.collecting import gather
from muster.config.importers.pagerduty.model import Export
from muster.config.importers.pagerduty.reading import from_resources
from muster.config.importers.pagerduty.translate import SOURCE, translate
from muster.config.importers.people import PeopleTable
from muster.config.importers.report import Skipped
from muster.config.importers.sources import Documents
from muster.config.importers.writer import Imported

__all__ = ["SOURCE", "import_documents", "read_export"]


def read_export(documents: Documents) -> Export:
    """Everything PagerDuty-shaped in a team's Terraform and state; other JSON is reported."""
    resources, dumps = gather(documents)
    export = from_resources(resources)
    for name, _ in dumps:
        export.skipped.append(
            Skipped("file", name, "not Terraform state: PagerDuty is imported from Terraform")
        )
    return export


def import_documents(documents: Documents, people: PeopleTable, now: datetime) -> Imported:
    """Translate a team's PagerDuty files (already read) as of ``now``."""
    return translate(read_export(documents), people, now)
