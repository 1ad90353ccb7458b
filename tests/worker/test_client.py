"""The producer client is only a producer: it loads the contract and Celery, nothing of the
worker, and touches no file until it sends."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

WORKER_ONLY = (
    "sqlalchemy",
    "alembic",
    "apprise",
    "tenacity",
    "muster.worker.incidents",
    "muster.worker.timers",
    "muster.worker.tasks",
    "muster.worker.store",
    "muster.worker.deliveries",
    "muster.channels",
    "muster.config.loader",
)

PROBE = """
import json, sys
from muster.worker.client import Client
Client()  # building one reads the settings and makes the app, nothing more
print(json.dumps(sorted(sys.modules)))
"""


def test_importing_and_building_a_client_loads_no_worker_code_and_makes_no_files(
    tmp_path: Path,
) -> None:
    """In an empty working folder on the embedded default: no database, Apprise or handler
    module is imported, and the folder stays empty (no var/broker)."""
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )
    loaded = json.loads(result.stdout)
    heavy = sorted(
        name for name in loaded if any(name == m or name.startswith(m + ".") for m in WORKER_ONLY)
    )
    assert heavy == []
    assert "celery" in loaded
    assert "muster.worker.messages" in loaded
    assert list(tmp_path.iterdir()) == []
