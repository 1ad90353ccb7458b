"""A web process's alert path never reads the database: the app is built, and takes webhooks,
without importing SQLAlchemy, the table models or icalendar (issue 19: a third of its memory);
the first route that reads the database imports them then, and answers as before."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.harness.configs import DEMO

PROBE = """
import json, sys
from fastapi.testclient import TestClient
from muster.worker.web.server import built_app

def loaded():
    return sorted({"sqlalchemy", "icalendar", "muster.worker.store.models"} & set(sys.modules))

client = TestClient(built_app())
built = loaded()
health = client.get("/healthz").status_code
served = loaded()
ready = client.get("/readyz").json()
print(json.dumps({"built": built, "served": served, "health": health,
                  "after_readyz": loaded(), "ready": ready}))
"""


def test_the_database_is_imported_by_the_first_route_that_reads_it(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        env={"PATH": "/usr/bin:/bin", "MUSTER_HOME": str(tmp_path), "MUSTER_CONFIG": str(DEMO)},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["built"] == []
    assert report["health"] == 200
    assert report["served"] == []
    assert "sqlalchemy" in report["after_readyz"]
    assert report["ready"]["checks"]["database"]["ok"] is True, report["ready"]
