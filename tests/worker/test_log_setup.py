"""What `muster worker` writes on stderr: readable at a tty, JSON for machines, never a secret."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import structlog

from muster.config import known_secrets
from muster.worker.log_setup import (
    QuietChatter,
    build_formatter,
    configure_logging,
    mask_secrets,
)
from muster.worker.store.db import database_location

SECRET = "xoxb-test-secret-token"
HOSTNAME_WARNING = "No hostname was supplied. Reverting to default 'localhost'"
BEAT_TICK = "Scheduler: Sending due task %s (%s)"


class FakeStream(io.StringIO):
    """A stream that says whether it is a terminal, as a tty or a pipe would."""

    def __init__(self, tty: bool) -> None:
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


@pytest.fixture(autouse=True)
def known_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(known_secrets, "_known", frozenset({SECRET}))


def record(name: str, level: int, msg: str, *args: object) -> logging.LogRecord:
    return logging.LogRecord(name, level, __file__, 1, msg, args, None)


@contextmanager
def configured(stream: FakeStream, level: str = "INFO") -> Iterator[None]:
    """configure_logging on ``stream``, with the process's logging put back afterwards."""
    root = logging.getLogger()
    touched = [
        logging.getLogger(name)
        for name in ("apprise", "urllib3", "celery.worker.strategy", "celery.app.trace")
    ]
    saved = (root.handlers[:], root.level, [logger.level for logger in touched])
    was_configured, structlog_config = structlog.is_configured(), structlog.get_config()
    try:
        configure_logging(level, stream)
        yield
    finally:
        root.handlers[:], root.level = saved[0], saved[1]
        for logger, logger_level in zip(touched, saved[2], strict=True):
            logger.setLevel(logger_level)
        if was_configured:
            structlog.configure(**structlog_config)
        else:
            structlog.reset_defaults()


def test_a_terminal_gets_coloured_console_lines() -> None:
    """A person running muster at a terminal reads console lines, not JSON."""
    line = build_formatter(FakeStream(tty=True)).format(
        record("celery.apps.worker", logging.INFO, "muster-1@host ready.")
    )
    assert "\x1b[" in line
    assert "muster-1@host ready." in line
    with pytest.raises(json.JSONDecodeError):
        json.loads(line)


def test_anything_but_a_terminal_gets_json_lines() -> None:
    """Files, pipes and log shippers get one JSON object a line, as before."""
    line = build_formatter(FakeStream(tty=False)).format(
        record("celery.apps.worker", logging.INFO, "muster-1@host ready.")
    )
    assert json.loads(line)["event"] == "muster-1@host ready."


def test_console_lines_are_masked_too() -> None:
    """Masking runs before either renderer: a library's line with a token shows none at a tty."""
    line = build_formatter(FakeStream(tty=True)).format(
        record(
            "apprise", logging.WARNING, "sending to %s failed: %s", "slack://TQX1/BQX2/XQX3", SECRET
        )
    )
    assert "slack://****/****/****" in line
    assert "QX" not in line  # not "T1": the line's timestamp has it at 10:00-19:59
    assert SECRET not in line


def test_muster_events_are_masked_at_a_terminal() -> None:
    """muster's own structlog events are masked on the way to the console renderer as well."""
    stream = FakeStream(tty=True)
    with configured(stream):
        structlog.get_logger("muster").warning(
            "page.failed", url="slack://T1/B2/X3/#incidents", error=f"token {SECRET} refused"
        )
    line = stream.getvalue()
    assert "page.failed" in line
    assert "\x1b[" in line
    assert "slack://****/****/****/#incidents" in line
    assert SECRET not in line


def test_kombu_hostname_chatter_dropped_other_kombu_warnings_kept() -> None:
    """kombu's hostless-URL notice (every start on the embedded broker) is not shown; its other
    warnings are."""
    quiet = QuietChatter()
    assert not quiet.filter(record("kombu.connection", logging.WARNING, HOSTNAME_WARNING))
    assert quiet.filter(record("kombu.connection", logging.WARNING, "Connection to broker lost"))
    assert quiet.filter(record("celery.worker", logging.WARNING, HOSTNAME_WARNING))


def test_beat_tick_dropped_other_beat_lines_kept() -> None:
    """The beat's every-few-seconds "Sending due task" line is not shown; its other lines are."""
    quiet = QuietChatter()
    tick = record("celery.beat", logging.INFO, BEAT_TICK, "timers", "muster.timers.scan")
    assert not quiet.filter(tick)
    assert quiet.filter(record("celery.beat", logging.INFO, "beat: Starting..."))
    assert quiet.filter(record("celery.beat", logging.WARNING, "Message Error: %s", "boom"))


def test_chatter_filtered_in_what_configure_logging_writes() -> None:
    """The filter sits on the one handler, so the lines never reach stderr."""
    stream = FakeStream(tty=False)
    with configured(stream):
        logging.getLogger("kombu.connection").warning(HOSTNAME_WARNING)
        logging.getLogger("celery.beat").info(BEAT_TICK, "sweep", "muster.sweep")
        logging.getLogger("kombu.connection").warning("Connection to broker lost")
    events = [json.loads(line)["event"] for line in stream.getvalue().splitlines()]
    assert events == ["Connection to broker lost"]


def test_chatter_shows_at_debug() -> None:
    """Whoever runs with --loglevel DEBUG asked for everything, the chatter included."""
    stream = FakeStream(tty=False)
    with configured(stream, level="DEBUG"):
        logging.getLogger("celery.beat").info(BEAT_TICK, "sweep", "muster.sweep")
    assert "Scheduler: Sending due task sweep (muster.sweep)" in stream.getvalue()


def test_http_request_lines_stay_out_even_at_debug() -> None:
    """urllib3's DEBUG request line prints a webhook's path, its token bare: not even DEBUG
    shows it (the canary scan of the fault suite found one so)."""
    stream = FakeStream(tty=False)
    with configured(stream, level="DEBUG"):
        logging.getLogger("urllib3.connectionpool").debug(
            '%s://%s:%s "%s %s %s" %s %s', "http", "chat.test", 80, "POST",
            "/hooks/literal-token-0123456789", "HTTP/1.1", 200, 2,
        )  # fmt: skip
        logging.getLogger("muster").debug("still.debug")
    assert "literal-token-0123456789" not in stream.getvalue()
    assert "still.debug" in stream.getvalue()


def test_start_up_line_shows_the_sqlite_file_in_full() -> None:
    """A newcomer is told where the embedded database file is: a path is not a secret."""
    shown = database_location("sqlite:////srv/muster/var/muster.db")
    assert mask_secrets(None, "", {"database": shown})["database"] == "/srv/muster/var/muster.db"


def test_start_up_line_masks_a_server_database_like_any_url() -> None:
    """A server URL is masked as every URL muster prints is: the host shows, the password, the
    user and the query values do not."""
    shown = database_location(
        "postgresql+psycopg://muster:pw-1234@db.internal:5432/paging?sslkey=k"
    )
    masked = mask_secrets(None, "", {"database": shown})["database"]
    assert "db.internal" in masked
    assert "pw-1234" not in masked
    assert "sslkey=k" not in masked


PAYLOAD = {"title": "CANARY-payload", "summary": "https://example.test/ack/CANARY-token"}


@pytest.mark.parametrize("level", ["DEBUG", "INFO"])
def test_celery_lines_never_carry_a_tasks_arguments(level: str) -> None:
    """What a plain Celery producer sent (its ``argsrepr`` a repr of the payload) is in none of
    Celery's lines: the pool's apply, a received, a succeeded and a failed task."""
    stream = FakeStream(tty=False)
    context = {"id": "1", "name": "muster.incident.declared", "args": repr([PAYLOAD])}
    context |= {"kwargs": "{}", "return_value": repr(PAYLOAD), "runtime": 0.1}
    context |= {"exc": "boom", "description": "raised unexpected"}
    with configured(stream, level=level):
        logging.getLogger("celery.pool").setLevel(logging.DEBUG)
        logging.getLogger("celery.pool").debug(
            "TaskPool: Apply %s (args:%s kwargs:%s)", "trace", (PAYLOAD,), {}
        )
        for name in ("celery.worker.strategy", "celery.app.trace"):
            logging.getLogger(name).setLevel(logging.DEBUG)
            for message in ("Task %(name)s[%(id)s] received %(args)s", "%(return_value)s"):
                logging.getLogger(name).error(message, dict(context), extra={"data": context})
    logging.getLogger("celery.pool").setLevel(logging.NOTSET)  # the others configured() restores
    written = stream.getvalue()
    assert "muster.incident.declared" in written
    assert "CANARY" not in written
