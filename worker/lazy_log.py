"""A structlog logger that imports structlog at its first line rather than at import.

structlog (with the console renderer's optional dependencies) takes about 0.1 s to import: the
modules a producer runs through on its way to the broker log only when something goes wrong,
so ``muster declare`` need not pay for it on every call (issue 19).
"""

from __future__ import annotations

from typing import Any


class LazyLogger:
    """Stands for ``structlog.get_logger(name)``; structlog is imported at the first call."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __getattr__(self, method: str) -> Any:
        import structlog  # noqa: PLC0415 - the point of this class

        return getattr(structlog.get_logger(self.name), method)
