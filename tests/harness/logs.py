"""structlog's ``capture_logs``, whatever the tests before it configured.

``capture_logs`` swaps the configured processors for its own, but a module-level logger first
used while ``cache_logger_on_first_use`` was on (muster's ``configure_logging``, which any test
that starts a worker, a web app or a command in-process runs) keeps the processors it was first
used with for good, and its events never reach the capture: which tests had run before on the
same xdist worker decided whether a test saw ``page.undeliverable``. :func:`captured_logs`
makes muster's module-level loggers forget what they cached first.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from typing import Any

from structlog._config import BoundLoggerLazyProxy  # where structlog caches a first use
from structlog.testing import capture_logs


@contextmanager
def captured_logs() -> Iterator[list[MutableMapping[str, Any]]]:
    """The structlog events logged inside the block, from every muster module's logger."""
    forget_cached_loggers()
    with capture_logs() as logs:
        yield logs


def forget_cached_loggers() -> None:
    """Make each muster module's lazy logger assemble itself again at its next use (structlog
    caches by setting ``bind`` on the proxy; the class's own ``bind`` assembles anew)."""
    for name, module in list(sys.modules.items()):
        if module is None or not name.startswith("muster"):
            continue
        for value in list(vars(module).values()):
            if isinstance(value, BoundLoggerLazyProxy):
                vars(value).pop("bind", None)
