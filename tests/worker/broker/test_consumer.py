"""The worker's consumer keeps what Celery would drop, or die on, before any task runs.

These drive the consumer's handlers with kombu messages and a recording app; the same messages
go through a real worker on real brokers in ``tests/integration/test_refused_messages.py``.
"""

from __future__ import annotations

import io
import json
import logging
import pickle
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import structlog
from celery.exceptions import InvalidTaskError
from celery.worker.consumer import Consumer as CeleryConsumer
from kombu.exceptions import ContentDisallowed, DecodeError
from kombu.message import Message
from kombu.utils.json import dumps

from muster.worker.broker.consumer import Consumer
from muster.worker.log_setup import configure_logging
from muster.worker.tasks.names import DECLARED, KEEP

GOOD = {"title": "t", "impact": "critical", "urgency": "high", "services": ["payments-api"]}


@dataclass
class Channel:
    """What a message settles itself on."""

    acked: list[Any] = field(default_factory=list)
    no_ack_consumers: None = None

    def basic_ack(self, delivery_tag: Any, multiple: bool = False) -> None:
        self.acked.append(delivery_tag)

    def basic_reject(self, delivery_tag: Any, requeue: bool = False) -> None:
        raise AssertionError("a refused message is acknowledged once kept, not rejected")


@dataclass
class App:
    """A Celery app that records what is sent, or fails to send."""

    sent: list[tuple[str, list[Any]]] = field(default_factory=list)
    broken: bool = False

    def send_task(self, name: str, args: list[Any]) -> None:
        if self.broken:
            raise ConnectionError("broker gone")
        dumps(args)  # what goes on the wire must be JSON
        self.sent.append((name, args))


def consumer(app: App | None = None) -> Consumer:
    made = Consumer.__new__(Consumer)  # the handlers need no connection, pool or blueprint
    made.app = app or App()
    made.strategies = {DECLARED: object()}
    made.connection_errors = (ConnectionError,)
    made.channel_errors = ()
    return made


def message(body: Any, headers: dict[str, Any] | None, **options: Any) -> Message:
    options.setdefault("content_type", "application/json")
    options.setdefault("content_encoding", "utf-8")
    return Message(
        body=body,
        headers=headers,
        channel=Channel(),
        delivery_tag=options.pop("delivery_tag", 1),
        accept={"application/json"},
        **options,
    )


def declared(message_id: str | None = "m-1", task: Any = DECLARED) -> dict[str, Any]:
    headers: dict[str, Any] = {"task": task}
    if message_id is not None:
        headers["id"] = message_id
    return headers


def kept(app: App) -> dict[str, Any]:
    """The one record the consumer queued for keeping."""
    assert [name for name, _ in app.sent] == [KEEP]
    record: dict[str, Any] = app.sent[0][1][0]
    return record


class TestCheck:
    @pytest.mark.parametrize(
        ("body", "headers", "options", "kind", "reason"),
        [
            (
                pickle.dumps([[GOOD], {}, {}]),
                declared(),
                {"content_type": "application/x-python-serialize"},
                "undecodable",
                "content type application/x-python-serialize refused: muster accepts JSON only",
            ),
            (
                b"rawdata",
                declared(),
                {"content_type": "application/data"},
                "undecodable",
                "content type application/data refused: muster accepts JSON only",
            ),
            (
                b"\xff\x00garbage",
                declared(),
                {},
                "undecodable",
                "the body is not valid application/json (UnicodeDecodeError)",
            ),
            (
                json.dumps([[GOOD], {}, {}]),
                declared(message_id=None),
                {},
                "malformed",
                f"a {DECLARED} message without a task id",
            ),
            (
                json.dumps([[GOOD]]),
                declared(),
                {},
                "malformed",
                f"a {DECLARED} message whose body is not [args, kwargs, {{}}]",
            ),
            (
                json.dumps([[GOOD], [], {}]),
                declared(),
                {},
                "malformed",
                f"a {DECLARED} message whose body is not [args, kwargs, {{}}]",
            ),
            (
                json.dumps([[GOOD], {}, {}]),
                declared(task=["a", "list"]),
                {},
                "malformed",
                "the task name in its headers is not text",
            ),
        ],
    )
    def test_what_celery_would_drop_or_die_on(
        self, body: Any, headers: dict[str, Any], options: dict[str, Any], kind: str, reason: str
    ) -> None:
        refusal = consumer().check(message(body, headers, **options))
        assert refusal is not None
        assert (refusal.kind, refusal.reason) == (kind, reason)

    def test_a_good_call_passes_whatever_its_arity(self) -> None:
        """Arguments are the task's to check: it says what it takes."""
        for args in ([GOOD], [GOOD, 2], []):
            assert consumer().check(message(json.dumps([args, {"x": 1}, {}]), declared())) is None

    def test_unknown_tasks_and_protocol_1_are_left_to_celery(self) -> None:
        body = json.dumps([[GOOD], {}, {}])
        assert consumer().check(message(body, declared(task="muster.nope"))) is None
        assert consumer().check(message(body, {})) is None


@pytest.fixture
def muster_log() -> Iterator[io.StringIO]:
    """What muster logs during the test, as muster's processes log it, whatever the tests before
    configured (a worker started in-process sets up the whole process's logging), and put back
    as it was afterwards."""
    root = logging.getLogger()
    handlers, level, config = root.handlers[:], root.level, structlog.get_config()
    stream = io.StringIO()
    configure_logging("INFO", stream=stream)
    yield stream
    root.handlers[:] = handlers
    root.setLevel(level)
    structlog.configure(**config)


class TestRefuse:
    def test_kept_then_acknowledged_and_the_log_holds_no_value(
        self, muster_log: io.StringIO
    ) -> None:
        """The record carries the body and the key; the log line only why."""
        app = App()
        secret_body = pickle.dumps([[{**GOOD, "title": "hunter2-secret"}], {}, {}])
        refused = message(
            secret_body, declared("p-1"), content_type="application/x-python-serialize"
        )
        subject = consumer(app)
        refusal = subject.check(refused)
        assert refusal is not None
        subject.refuse(refused, refusal)
        record = kept(app)
        assert record["kind"] == "undecodable"
        assert record["task"] == DECLARED
        assert record["message_id"] == "p-1"
        assert "args" not in record["payload"]  # a pickle is never unpickled
        assert refused.channel.acked == [1]
        logged = muster_log.getvalue()
        assert "message.refused" in logged
        assert "hunter2" not in logged

    def test_a_broker_that_cannot_take_the_record_leaves_the_message_unacknowledged(self) -> None:
        """Nothing is acknowledged before it is kept: the broker delivers it again."""
        refused = message(b"\xff", declared())
        subject = consumer(App(broken=True))
        refusal = subject.check(refused)
        assert refusal is not None
        subject.refuse(refused, refusal)
        assert refused.channel.acked == []

    def test_decoded_arguments_are_kept_for_a_replay(self) -> None:
        app = App()
        unknown = message(json.dumps([[GOOD], {"k": 1}, {}]), declared("u-1", "muster.nope"))
        consumer(app).on_unknown_task(None, unknown, KeyError("muster.nope"))
        record = kept(app)
        assert record["kind"] == "unknown_task"
        assert record["reason"] == "unknown task 'muster.nope': no muster task has that name"
        assert record["task"] == "muster.nope"
        assert (record["payload"]["args"], record["payload"]["kwargs"]) == ([GOOD], {"k": 1})


class TestCeleryHandlers:
    def test_a_decode_error_is_kept(self) -> None:
        app = App()
        bad = message(b"\xff", declared("b-1"))
        consumer(app).on_decode_error(bad, DecodeError(UnicodeDecodeError("utf-8", b"", 0, 1, "x")))
        assert kept(app)["reason"] == "the body is not valid application/json (UnicodeDecodeError)"
        assert bad.channel.acked == [1]

    def test_a_raw_transport_payload_is_logged_not_fatal(self) -> None:
        app = App()
        consumer(app).on_decode_error({"raw": "dict"}, KeyError("properties"))
        assert app.sent == []

    def test_a_message_that_names_no_task(self) -> None:
        app = App()
        stray = message(json.dumps({"hello": 1}), {}, properties={"delivery_tag": "tag-1"})
        consumer(app).on_unknown_message({"hello": 1}, stray)
        record = kept(app)
        assert (record["kind"], record["task"], record["message_id"]) == ("malformed", "", "tag-1")

    def test_an_invalid_task_does_not_quote_its_values(self) -> None:
        app = App()
        bad = message(json.dumps([[GOOD], {}, {}]), declared("e-1"))
        consumer(app).on_invalid_task(None, bad, InvalidTaskError("invalid ETA value 'x1': no"))
        assert kept(app)["reason"] == "an invalid task message: invalid ETA value"

    def test_content_celery_disallows(self) -> None:
        app = App()
        bad = message(b"x", declared("y-1"), content_type="application/x-yaml")
        consumer(app).on_invalid_task(None, bad, ContentDisallowed("yaml"))
        assert kept(app)["kind"] == "undecodable"


class TestTaskHandler:
    def test_what_celery_raises_on_is_kept_and_the_worker_goes_on(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Celery's handler raising (it did on a message without an id) refuses the message."""

        def choking(self: Any, *args: Any) -> Any:
            def handler(message: Any) -> None:
                raise ValueError("not enough values to unpack")

            return handler

        monkeypatch.setattr(CeleryConsumer, "create_task_handler", choking)
        app = App()
        handle = consumer(app).create_task_handler()
        odd = message(json.dumps([[GOOD], {}, {}]), declared(task="muster.nope"))
        assert handle(odd) is None
        assert kept(app)["reason"] == "not readable as a task message (ValueError)"
        assert odd.channel.acked == [1]

    def test_broker_errors_still_reach_celery(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """A lost connection is Celery's to recover from, not a refused message."""

        def disconnected(self: Any, *args: Any) -> Any:
            def handler(message: Any) -> None:
                raise ConnectionError("gone")

            return handler

        monkeypatch.setattr(CeleryConsumer, "create_task_handler", disconnected)
        handle = consumer().create_task_handler()
        with pytest.raises(ConnectionError):
            handle(message(json.dumps([[GOOD], {}, {}]), declared(task="muster.nope")))

    def test_a_refusal_before_celery_never_reaches_it(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        def untouchable(self: Any, *args: Any) -> Any:
            def handler(message: Any) -> None:
                raise AssertionError("Celery saw a refused message")

            return handler

        monkeypatch.setattr(CeleryConsumer, "create_task_handler", untouchable)
        app = App()
        consumer(app).create_task_handler()(message(json.dumps([[GOOD]]), declared()))
        assert kept(app)["kind"] == "malformed"
