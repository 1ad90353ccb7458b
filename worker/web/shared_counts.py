"""Where the processes of ``muster web --workers N`` count together: one folder, named in the
environment of the supervisor before anything imports prometheus-client.

prometheus-client chooses, when it is imported, between counting in memory and counting into the
folder its variable names (:mod:`muster.worker.web.metrics` says why the processes share). The
web's processes are forked from the supervisor once it has imported the app's code
(:mod:`muster.worker.web.server`), so the variable must be set before that import: this module
imports nothing of prometheus-client.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

SHARED = "PROMETHEUS_MULTIPROC_DIR"  # prometheus-client's own variable: read when it is imported


def share_between_processes(folder: Path) -> None:
    """Before the web's processes start: they count into ``folder`` (emptied: the counts of a
    previous run are not this one's), which they find in their environment."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    os.environ[SHARED] = str(folder)


def sharing() -> bool:
    """Whether this process counts into the shared folder."""
    return bool(os.environ.get(SHARED))
