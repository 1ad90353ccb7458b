"""The worker's fixtures: ``rt``, a runtime on a real database with a recording sender.

A module says how its runtime differs with ``pytestmark = pytest.mark.runtime(...)``:
``databases`` (each test runs once on each; default SQLite only), ``retry`` (default
:data:`~tests.harness.runtimes.ONE_TRY`), ``sender`` (a factory called per test; default a
:class:`~tests.harness.runtimes.RecordingSender`) and ``lease``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from celery import Celery

from muster.worker.broker.app import make_app
from muster.worker.runtime import Runtime, install
from muster.worker.tasks.registry import register
from tests.harness.runtimes import ONE_TRY, stub_runtime
from tests.harness.servers import scratch_database

MARKER = "runtime"


def _options(node: Any) -> dict[str, Any]:
    marker = node.get_closest_marker(MARKER)
    return dict(marker.kwargs) if marker else {}


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run each test that takes ``rt`` once on each database its module's marker names."""
    databases = _options(metafunc.definition).get("databases")
    if databases and "rt" in metafunc.fixturenames:
        metafunc.parametrize("rt", databases, indirect=True)


@pytest.fixture
def rt(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Runtime]:
    """A runtime on an empty database and a copy of the demo config (see the module docstring);
    PostgreSQL skips when its server is absent, and fails under CI."""
    options = _options(request.node)
    kind = getattr(request, "param", "sqlite")
    with (
        scratch_database(kind, tmp_path) as url,
        stub_runtime(url, tmp_path, options.get("retry", ONE_TRY)) as runtime,
    ):
        if "sender" in options:
            runtime.sender = options["sender"]()
        if "lease" in options:
            runtime.lease = options["lease"]
        yield runtime


@pytest.fixture
def task_app(rt: Runtime) -> Iterator[Celery]:
    """muster's tasks on an in-memory broker, finding ``rt`` as the worker's runtime: run one
    in-process as the worker would with ``task_app.tasks[NAME].apply(...)``."""
    install(rt)
    made = make_app("memory://")
    register(made)
    try:
        yield made
    finally:
        install(None)
