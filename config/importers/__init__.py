"""``muster import``: a routing config from the files a team keeps when it leaves another pager.

Each source (``grafana_oncall``, ``opsgenie``, ``pagerduty``) reads its own documents —
Terraform (:mod:`.terraform`), ``terraform show -json`` state, REST API dumps — into plain data,
and translates them, without I/O, into a muster config document and a :class:`.report.Report`
that says, resource by resource, what mapped (✅), what was approximated (⚠️) and what could not
be carried over (❌). :mod:`.writer` renders the document as commented YAML with muster's own
defaults for what the source lacks (standing roles, the severity matrix, summaries).
:mod:`.feeds` and :mod:`.shift_check` compare the imported rotations with the source's own
calendar export of final shifts: the proof that an import is faithful. Shared by every source:
:mod:`.sources` (the files), :mod:`.fields`, :mod:`.people` (``--people``), :mod:`.names`.

A source is named in :data:`SOURCES` (``module:function``) and imported only when asked for, so
``muster --help`` never loads an HCL parser.
"""

from __future__ import annotations

SOURCES: dict[str, str] = {
    "grafana-oncall": "muster.config.importers.grafana_oncall:import_documents",
    "opsgenie": "muster.config.importers.opsgenie:import_documents",
    "pagerduty": "muster.config.importers.pagerduty:import_documents",
}
"""Source name on the command line → ``module:function`` taking (documents, people, now)."""
