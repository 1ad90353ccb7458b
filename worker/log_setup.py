"""Logs on stderr, with secrets masked as the last step before anything is written.

Events are named (``delivery.failed``) and carry bound key/values (``incident_id``, ``delivery_id``)
rather than formatted strings. A final processor masks every URL and every known secret in every
value, so even a careless log call cannot leak a token or a phone number. A person at a terminal
reads coloured console lines; anything else (a file, a log shipper, systemd) gets JSON lines.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Mapping, MutableMapping
from typing import Any, TextIO

import structlog

from muster.channels.apprise_logging import tame_apprise_logging
from muster.config import known_secrets
from muster.worker.core.config.masking import MASK, mask_text

# Lines from libraries that tell the person running muster nothing they could act on, by logger
# and the start of their unformatted message. They still show at --loglevel DEBUG.
_CHATTER: dict[str, tuple[str, ...]] = {
    # A broker URL without a host means the transport's default; the embedded broker's
    # musterfs:// has no host to give, so kombu says this twice at every start.
    "kombu.connection": ("No hostname was supplied.",),
    # One line per beat tick (every few seconds); the scans and sweeps it sends say what they do.
    "celery.beat": ("Scheduler: Sending due task ",),
}


def mask_secrets(
    _logger: Any, _name: str, event: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """structlog processor: mask URLs and known secrets (:mod:`muster.config.known_secrets`)
    in every string value."""
    secrets = known_secrets.known()
    for key, value in event.items():
        event[key] = _mask_value(value, secrets)
    return event


def _mask_value(value: Any, secrets: frozenset[str]) -> Any:
    if isinstance(value, str):
        return mask_text(value, secrets)
    if isinstance(value, list | tuple):
        return [_mask_value(item, secrets) for item in value]
    if isinstance(value, dict):
        return {key: _mask_value(item, secrets) for key, item in value.items()}
    return value


class QuietChatter(logging.Filter):
    """Keeps library lines nobody can act on from burying the ones that matter; whoever runs at
    DEBUG asked to see everything, so they pass then."""

    def filter(self, record: logging.LogRecord) -> bool:
        prefixes = _CHATTER.get(record.name)
        if prefixes and isinstance(record.msg, str) and record.msg.startswith(prefixes):
            return logging.getLogger().isEnabledFor(logging.DEBUG)
        return True


class NoTaskPayloads(logging.Filter):
    """Keeps what a task was called with out of Celery's lines, at every level.

    Celery logs a task's arguments (the pool's ``TaskPool: Apply … (args: …)`` at DEBUG, the
    ``args``/``kwargs``/``return_value`` of its received, succeeded and failed lines) from the
    message's ``argsrepr``, which a plain Celery producer fills with a repr of its whole payload:
    titles, summaries, links with tokens in them. muster's client sends an ``argsrepr`` naming
    the task and incident only, but a foreign producer cannot be made to, so the line is
    rewritten here, whatever handler or level, before anything formats it.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.name.startswith("celery") or not record.args:
            return True
        if isinstance(record.msg, str) and record.msg.startswith(_POOL_APPLY):
            if isinstance(record.args, tuple) and record.args:
                record.args = (record.args[0], MASK, MASK)
            return True
        if isinstance(record.args, Mapping):
            record.args = _scrubbed(record.args)
        else:
            record.args = tuple(
                _scrubbed(item) if isinstance(item, Mapping) else item for item in record.args
            )
        data = getattr(record, "data", None)
        if isinstance(data, Mapping):
            record.data = _scrubbed(data)
        return True


_POOL_APPLY = "TaskPool: Apply"
_PAYLOAD_KEYS = frozenset({"args", "kwargs", "return_value"})


def _scrubbed(context: Mapping[str, Any]) -> dict[str, Any]:
    return {key: MASK if key in _PAYLOAD_KEYS else value for key, value in context.items()}


def _shared_processors() -> list[Any]:
    return [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.format_exc_info,
        mask_secrets,  # last before rendering, whichever renderer: nothing unmasked is written
    ]


def build_formatter(stream: TextIO) -> structlog.stdlib.ProcessorFormatter:
    """The formatter for lines written to ``stream``: console lines for a person at a terminal,
    JSON lines for everything that reads logs by machine."""
    renderer: Any = (
        structlog.dev.ConsoleRenderer(colors=True)
        if stream.isatty()
        else structlog.processors.JSONRenderer()
    )
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=_shared_processors(),
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
    )


def configure_logging(level: str = "INFO", stream: TextIO | None = None) -> None:
    """One handler on ``stream`` (stderr) for structlog and the standard library alike."""
    stream = sys.stderr if stream is None else stream
    structlog.configure(
        processors=[*_shared_processors(), structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(stream)
    handler.setFormatter(build_formatter(stream))
    handler.addFilter(QuietChatter())
    handler.addFilter(NoTaskPayloads())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    tame_apprise_logging()
    # Celery's per-task "received" and "succeeded" lines cost more than a page's own work and
    # say less than muster's events (message.handled, page.sent), which carry the ids.
    for noisy in ("celery.worker.strategy", "celery.app.trace"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
