"""A runtime for the worker's tests: a real database and config, a manual clock, a recording
sender (the channel port's stub) and sleeps that return at once. The ``rt`` fixture
(``tests/worker/conftest.py``) builds one per test, as a module's ``pytest.mark.runtime`` says."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from muster.channels.retry import RetryPolicy
from muster.channels.sender import SendResult
from muster.config.watch import ConfigSource
from muster.worker.clock import ManualClock
from muster.worker.core.rendering.render import RenderedMessage
from muster.worker.runtime import Runtime
from muster.worker.store.db import Database
from tests.harness.configs import DEMO, WEDNESDAY_NOON

# The retry policies the worker's tests run with: no wait between attempts (sleeps return at
# once anyway), one attempt unless a test is about retrying.
ONE_TRY = RetryPolicy(attempts=1, initial_wait=0, max_wait=0, total=1)
TWO_TRIES = RetryPolicy(attempts=2, initial_wait=0, max_wait=0, total=1)

# The databases a module's handlers are checked on when SQLite alone would not do.
BOTH_DATABASES = ("sqlite", "postgresql")


@dataclass
class RecordingSender:
    """A channel port stub: records every send; answers from a per-URL-prefix script."""

    sent: list[tuple[str, RenderedMessage]] = field(default_factory=list)
    script: dict[str, list[SendResult]] = field(default_factory=dict)

    def __call__(self, url: str, message: RenderedMessage) -> SendResult:
        self.sent.append((url, message))
        for prefix, answers in self.script.items():
            if url.startswith(prefix) and answers:
                return answers.pop(0)
        return SendResult(ok=True)

    def to(self, fragment: str) -> list[RenderedMessage]:
        return [message for url, message in self.sent if fragment in url]


@contextmanager
def stub_runtime(database_url: str, folder: Path, retry: RetryPolicy) -> Iterator[Runtime]:
    """A runtime on a real database and a copy of the demo config, with a manual clock at
    WEDNESDAY_NOON, a recording sender and sleeps that return at once."""
    config = folder / "routing.yaml"
    config.write_text(DEMO.read_text())
    runtime = Runtime(
        database=Database.connect(database_url),
        config=ConfigSource(config, environ={}, interval=0),
        clock=ManualClock(WEDNESDAY_NOON),
        sender=RecordingSender(),
        retry=retry,
        sleep=lambda _seconds: None,
    )
    try:
        yield runtime
    finally:
        runtime.database.engine.dispose()


def clock(rt: Runtime) -> ManualClock:
    """The manual clock of a runtime :func:`stub_runtime` made, to set or advance."""
    assert isinstance(rt.clock, ManualClock)
    return rt.clock


def serve_config(rt: Runtime, document: dict[str, Any]) -> None:
    """Serve ``document`` as ``rt``'s config from the next read on, as an ops edit would be."""
    fresh = rt.config.path.with_suffix(".new")
    fresh.write_text(yaml.safe_dump(document, sort_keys=False))
    fresh.replace(rt.config.path)  # a new inode: the reload cannot miss it
    rt.config.current()
    assert rt.config.last_error is None, rt.config.last_error
