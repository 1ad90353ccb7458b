"""What arrived, kept storable and printable whatever a producer put in it."""

from __future__ import annotations

import base64
import hashlib
import json
import pickle
from typing import Any

from kombu.message import Message

from muster.worker.broker.arrival import (
    MAX_BODY,
    body_record,
    celery_call,
    describe,
    message_key,
    printable,
    storable,
    task_name,
)


class TestPrintable:
    def test_nul_controls_and_lone_surrogates_are_escaped(self) -> None:
        """PostgreSQL refuses NUL in text and no UTF-8 encoder takes a lone surrogate."""
        assert printable("a\x00b\x1b\ud800c") == "a\\x00b\\x1b\\ud800c"
        printable("\ud800").encode("utf-8")  # strict: raises if anything was left

    def test_tabs_newlines_and_non_ascii_are_kept(self) -> None:
        assert printable("zoë\tok\n✓") == "zoë\tok\n✓"

    def test_limit_cuts(self) -> None:
        assert printable("x" * 300, 100) == "x" * 100


class TestStorable:
    def test_json_cannot_hold_it_so_it_becomes_what_json_can(self) -> None:
        """Bytes, tuples, non-text keys, NaN and objects become JSON that PostgreSQL takes."""
        value = {1: (b"\xff", float("nan"), float("inf")), "o": object}
        kept = storable(value)
        assert kept == {"1": [{"base64": "/w=="}, "nan", "inf"], "o": repr(object)}
        json.dumps(kept, allow_nan=False)

    def test_plain_json_is_unchanged(self) -> None:
        value = {"a": [1, 2.5, True, None, "\ud800"]}
        assert storable(value) == value


class TestMessageKey:
    def test_the_celery_task_id_first(self) -> None:
        headers = {"id": "task-1"}
        assert message_key(headers, {"correlation_id": "c", "delivery_tag": "t"}) == "task-1"

    def test_an_amqp_message_id_then_a_virtual_transport_tag(self) -> None:
        assert message_key({}, {"message_id": "m-1", "delivery_tag": "t"}) == "m-1"
        assert message_key({}, {"delivery_tag": "5f1c-uuid"}) == "5f1c-uuid"

    def test_an_amqp_delivery_tag_is_no_id(self) -> None:
        """RabbitMQ's delivery tag is a per-channel counter: it changes on redelivery."""
        assert message_key({}, {"delivery_tag": 7}) is None
        assert message_key({"id": ""}, {}) is None

    def test_an_id_is_made_fit_for_its_column(self) -> None:
        key = message_key({"id": "\x00" + "x" * 400}, {})
        assert key is not None
        assert key.startswith("\\x00x")
        assert len(key) == 200


def test_task_name_fits_its_column_and_says_none_when_there_is_none() -> None:
    assert task_name({"task": "muster.incident.declared"}) == "muster.incident.declared"
    assert task_name({}) == ""
    assert task_name({"task": ["not", "text"]}) == "['not', 'text']"
    assert len(task_name({"task": "t" * 500})) == 100


class TestCeleryCall:
    def test_protocol_2_and_1_bodies(self) -> None:
        assert celery_call([[{"a": 1}], {"k": 2}, {}]) == ([{"a": 1}], {"k": 2})
        assert celery_call([[1], {}, None]) == ([1], {})
        assert celery_call({"task": "t", "id": "i", "args": [1], "kwargs": {}}) == ([1], {})

    def test_shapes_celery_would_die_or_fail_on(self) -> None:
        """Celery unpacks the body blindly: each of these raised in its consumer or pool."""
        for body in ([[1]], [[1], [], {}], [[1], {}, "x"], "text", 3, {"no": "args"}, [1, 2, 3]):
            assert celery_call(body) is None, body


class TestDescribe:
    def test_a_pickle_is_kept_whole_and_never_unpickled(self) -> None:
        """The bytes come back from base64 exactly; the preview is readable text."""
        body = pickle.dumps([[{"title": "t"}], {}, {}])
        message = Message(
            body=body,
            content_type="application/x-python-serialize",
            content_encoding="binary",
            headers={"task": "muster.incident.declared", "id": "p-1"},
            properties={"correlation_id": "p-1", "delivery_info": {"x": 1}},
            delivery_info={"exchange": "muster", "routing_key": "muster", "other": 1},
        )
        record = describe(message)
        json.dumps(record, allow_nan=False).encode("utf-8")
        assert base64.b64decode(record["body"]["base64"]) == body
        assert record["body"]["size"] == len(body)
        assert record["body"]["sha256"] == hashlib.sha256(body).hexdigest()
        assert record["content_type"] == "application/x-python-serialize"
        assert record["headers"] == {"task": "muster.incident.declared", "id": "p-1"}
        assert record["properties"] == {"correlation_id": "p-1"}
        assert record["delivery_info"] == {"exchange": "muster", "routing_key": "muster"}
        assert "args" not in record
        record["body"]["preview"].encode("utf-8")

    def test_arguments_when_read(self) -> None:
        message = Message(body=b"[]", content_type="application/json")
        record = describe(message, ([{"a": b"\x00"}], {"k": 1}))
        assert record["args"] == [{"a": {"base64": "AA=="}}]
        assert record["kwargs"] == {"k": 1}

    def test_whatever_a_transport_handed_over(self) -> None:
        """A raw payload (a dict, not a message) is still described."""
        record: dict[str, Any] = describe({"not": "a message"})
        assert record["headers"] == {}
        assert record["body"]["size"] == 0


def test_a_huge_body_keeps_a_megabyte_and_says_what_the_rest_was() -> None:
    body = b"\xfe" * (MAX_BODY + 10)
    record = body_record(body)
    assert record["truncated"] is True
    assert record["size"] == MAX_BODY + 10
    assert len(base64.b64decode(record["base64"])) == MAX_BODY
    assert record["sha256"] == hashlib.sha256(body).hexdigest()
    assert len(record["preview"]) == 1000


def test_a_text_body_with_a_lone_surrogate_is_kept_byte_for_byte() -> None:
    record = body_record('["\ud800"]')
    assert base64.b64decode(record["base64"]) == '["\ud800"]'.encode("utf-8", "surrogatepass")
    record["preview"].encode("utf-8")
