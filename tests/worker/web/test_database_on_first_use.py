"""A web process's alert path never reads the database: the app is built, and takes webhooks,
without importing SQLAlchemy, sqlite3, the table models or icalendar (issue 19: a third of its
memory);
the first route that reads the database imports them then, and answers as before."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from muster.worker.web.database import database_errors, on_first_use
from tests.harness.configs import DEMO

PROBE = """
import json, sys
from fastapi.testclient import TestClient
from muster.worker.web.server import built_app

def loaded():
    heavy = {"sqlalchemy", "sqlite3", "icalendar", "muster.worker.store.models"}
    return sorted(heavy & set(sys.modules))

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


def test_a_deferred_adapter_is_built_once_whatever_threads_use_it_first() -> None:
    """Requests run on several threads: the first use builds, the others wait for it, and every
    use reaches the one built (attributes and calls alike)."""
    builds: list[int] = []
    started = threading.Barrier(8)

    class Lookups:
        def state(self, incident_id: str) -> str:
            return f"{incident_id}: investigating"

    def build() -> Lookups:
        builds.append(1)
        return Lookups()

    lookups = on_first_use(build)

    def use(number: int) -> str:
        started.wait()
        return lookups.state(f"inc-{number}")

    with ThreadPoolExecutor(max_workers=8) as threads:
        answers = list(threads.map(use, range(8)))
    assert builds == [1]
    assert answers == [f"inc-{number}: investigating" for number in range(8)]
    assert on_first_use(lambda: len)("four") == 4


def test_database_errors_are_caught_once_sqlalchemy_is_loaded() -> None:
    """In this process SQLAlchemy is loaded (the tests use it): its errors are the ones a
    route's ``except`` catches."""
    from sqlalchemy.exc import SQLAlchemyError  # noqa: PLC0415

    assert database_errors() == (SQLAlchemyError,)
