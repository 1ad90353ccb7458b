"""Files in the embedded broker's folders that are no message kombu can read.

Each is named for what is wrong with it, set aside out of the queue and in-flight folders, kept
once as a dead letter of kind ``foreign`` with its bytes on disk, and never put back; a file
that passes is one kombu's virtual message and QoS take without raising.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from kombu import Connection
from kombu.transport.virtual import Channel

from muster.worker.broker import foreign, fs_transport  # noqa: F401 - registers musterfs://
from muster.worker.broker.arrival import MAX_BODY
from tests.harness.servers import fresh_queue

TAG = {"delivery_tag": "t-1"}
EXAMPLES = [
    (b"", "empty"),
    (b"\xff\xfe{}", "not UTF-8 (byte 0xff at offset 0)"),
    (b'{"properties": {"delivery_tag"', "not JSON (JSONDecodeError)"),
    (b"{}", "wrong shape: no properties object"),
    (b"[]", "wrong shape: a JSON array, not a message object"),
    (b"null", "wrong shape: a JSON null, not a message object"),
    (b'{"properties": 1}', "wrong shape: no properties object"),
    (b'{"properties": {}}', "wrong shape: properties.delivery_tag is not text"),
    (b'{"properties": {"delivery_tag": [1]}}', "wrong shape: properties.delivery_tag is not text"),
    (
        json.dumps({"properties": {**TAG, "delivery_info": [1]}}).encode(),
        "wrong shape: properties.delivery_info is not an object",
    ),
    (
        json.dumps({"properties": TAG, "headers": [1]}).encode(),
        "wrong shape: headers is not an object",
    ),
    (
        json.dumps({"properties": TAG, "content-type": 7}).encode(),
        "wrong shape: content-type is not text",
    ),
    (json.dumps({"properties": TAG, "body": [1]}).encode(), "wrong shape: body is not text"),
    (
        json.dumps({"properties": {**TAG, "body_encoding": "base64"}, "body": "abc"}).encode(),
        "body is not base64",
    ),
    (
        json.dumps({"properties": {**TAG, "body_encoding": "rot13"}, "body": "abc"}).encode(),
        "wrong shape: properties.body_encoding is neither base64 nor utf-8",
    ),
]


def options(root: Path) -> dict[str, object]:
    (root / "queue").mkdir(parents=True, exist_ok=True)
    return {
        "data_folder_in": str(root / "queue"),
        "data_folder_out": str(root / "queue"),
        "processed_folder": str(root / "processed"),
        "store_processed": True,
        "control_folder": str(root / "control"),
        "polling_interval": 0.001,
    }


def valid_file(root: Path) -> bytes:
    """The bytes of a message file as muster's transport writes one (taken off its queue)."""
    settings_ = options(root / "maker")
    with Connection("musterfs://", transport_options=settings_) as connection:
        connection.SimpleQueue(fresh_queue()).put({"title": "Checkout failing"})
    [made] = (root / "maker" / "queue").iterdir()
    data = made.read_bytes()
    made.unlink()
    return data


@pytest.fixture(scope="module")
def channel(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Channel]:
    """A real channel of the embedded broker's transport, to build kombu messages on."""
    with Connection(
        "musterfs://", transport_options=options(tmp_path_factory.mktemp("broker"))
    ) as connection:
        yield connection.default_channel


@pytest.fixture(scope="module")
def whole(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return valid_file(tmp_path_factory.mktemp("whole"))


class TestWhatIsWrong:
    @pytest.mark.parametrize(("raw", "reason"), EXAMPLES)
    def test_each_foreign_file_is_named_for_its_fault(self, raw: bytes, reason: str) -> None:
        assert foreign.problem(raw) == reason

    def test_a_file_over_the_limit_is_too_large_unread(self) -> None:
        size = foreign.MAX_FILE + 1
        assert foreign.problem(b"", size) == (
            f"too large: {size} bytes (a message file holds at most {foreign.MAX_FILE})"
        )

    def test_a_message_file_muster_writes_passes(self, whole: bytes) -> None:
        assert foreign.problem(whole) is None


values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=6,
)
# Lone surrogates too: JSON escapes them ("\\ud800"), and no UTF-8 encoder takes one.
any_text = st.text(st.characters(exclude_categories=()))
properties = st.fixed_dictionaries(
    {},
    optional={
        "delivery_tag": any_text | values,
        "delivery_info": values,
        "body_encoding": st.sampled_from(["base64", "utf-8", "UTF-8", "BASE64", ""]) | values,
        "priority": values,
    },
)
envelopes = st.fixed_dictionaries(
    {},
    optional={
        "properties": properties | values,
        "headers": values
        | st.dictionaries(st.sampled_from(["compression", "id", "task"]), any_text),
        "body": any_text | st.binary().map(lambda b: b.hex()) | values,
        "content-type": st.just("application/json") | values,
        "content-encoding": st.just("utf-8") | values,
    },
)
files = (
    st.binary()
    | envelopes.map(lambda e: json.dumps(e).encode())
    | values.map(lambda v: json.dumps(v).encode())
)


@given(raw=files)
@settings(max_examples=400, deadline=None)
def test_what_passes_is_a_message_kombu_takes_and_what_fails_has_a_reason(
    raw: bytes, channel: Channel
) -> None:
    """Whatever a file holds, checking it never raises; a file that passes becomes a kombu
    message, is held and acknowledged without raising (what killed the worker on ``{}``)."""
    envelope, wrong = foreign.parse(raw)
    if wrong is not None:
        assert envelope is None
        assert wrong
        return
    message = channel.Message(envelope, channel=channel)
    channel.qos.append(message, message.delivery_tag)
    message.ack()


@given(cut=st.integers(min_value=0))
@settings(max_examples=100, deadline=None)
def test_a_truncated_message_file_is_foreign(cut: int, whole: bytes) -> None:
    assert foreign.problem(whole[: cut % len(whole)]) is not None


class TestTheTransport:
    @pytest.mark.parametrize(("raw", "reason"), EXAMPLES)
    def test_a_foreign_file_is_set_aside_and_the_message_beside_it_delivered(
        self, tmp_path: Path, raw: bytes, reason: str
    ) -> None:
        """A file holding ``{}`` made kombu raise ``KeyError('properties')`` in the consumer."""
        name = fresh_queue()
        (tmp_path / "queue").mkdir()
        (tmp_path / "queue" / f"0_foreign.{name}.msg").write_bytes(raw)
        with Connection("musterfs://", transport_options=options(tmp_path)) as connection:
            queue = connection.SimpleQueue(name)
            queue.put({"n": 1})
            message = queue.get(timeout=5)
            assert message.payload == {"n": 1}
            message.ack()
            with pytest.raises(queue.Empty):
                queue.get(timeout=0.05)
        assert (tmp_path / "rejected" / f"0_foreign.{name}.msg").read_bytes() == raw
        assert f"0_foreign.{name}.msg" not in os.listdir(tmp_path / "processed")

    def test_a_huge_file_is_set_aside_unread(self, tmp_path: Path) -> None:
        name = fresh_queue()
        (tmp_path / "queue").mkdir()
        huge = tmp_path / "queue" / f"0_huge.{name}.msg"
        with huge.open("wb") as handle:  # sparse: no disk, no time
            handle.truncate(foreign.MAX_FILE + 1)
        with Connection("musterfs://", transport_options=options(tmp_path)) as connection:
            queue = connection.SimpleQueue(name)
            with pytest.raises(queue.Empty):
                queue.get(timeout=0.05)
        assert os.path.getsize(tmp_path / "rejected" / f"0_huge.{name}.msg") == foreign.MAX_FILE + 1


def test_the_description_holds_a_bounded_copy_and_where_the_rest_is(tmp_path: Path) -> None:
    big = tmp_path / "big.msg"
    big.write_bytes(b"x" * (MAX_BODY + 10))
    described = foreign.describe(big, tmp_path / "foreign" / "big.msg")
    assert described["size"] == MAX_BODY + 10
    assert described["truncated"] is True
    assert len(described["base64"]) == 4 * ((MAX_BODY + 2) // 3)
    assert described["kept_at"] == str(tmp_path / "foreign" / "big.msg")
