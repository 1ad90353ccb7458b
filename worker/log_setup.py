"""Structured JSON logs, with secrets masked as the last step before anything is written.

Events are named (``delivery.failed``) and carry bound key/values (``incident_id``, ``delivery_id``)
rather than formatted strings. A final processor masks every URL and every known secret in every
value, so even a careless log call cannot leak a token or a phone number.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import MutableMapping
from typing import Any

import structlog

from muster.channels.sender import tame_apprise_logging
from muster.worker.core.masking import mask_text

_secrets: frozenset[str] = frozenset()
_lock = threading.Lock()


def register_secrets(secrets: frozenset[str]) -> None:
    """Add values that must never appear in a log line (filled-in ``${NAME}`` values)."""
    global _secrets  # noqa: PLW0603 - one process-wide set, read by every log call
    with _lock:
        _secrets = _secrets | secrets


def mask_secrets(
    _logger: Any, _name: str, event: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """structlog processor: mask URLs and known secrets in every string value."""
    for key, value in event.items():
        event[key] = _mask_value(value)
    return event


def _mask_value(value: Any) -> Any:
    if isinstance(value, str):
        return mask_text(value, _secrets)
    if isinstance(value, list | tuple):
        return [_mask_value(item) for item in value]
    if isinstance(value, dict):
        return {key: _mask_value(item) for key, item in value.items()}
    return value


def configure_logging(level: str = "INFO", json: bool = True) -> None:
    """JSON lines on stderr for structlog and the standard library alike."""
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.format_exc_info,
        mask_secrets,
    ]
    renderer: Any = (
        structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    tame_apprise_logging()
    # Celery's per-task "received" and "succeeded" lines cost more than a page's own work and
    # say less than muster's events (message.handled, page.sent), which carry the ids.
    for noisy in ("celery.worker.strategy", "celery.app.trace"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
