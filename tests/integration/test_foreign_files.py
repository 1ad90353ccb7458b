"""Hypothesis-generated foreign files in the embedded broker's folders, under a real worker.

Each example drops files no message could be (empty, a valid message cut short, binary, JSON of
the wrong shape, a body that is not base64, one over the size limit) into the queue folder and
the in-flight folder of a real embedded broker, runs muster's start-up recovery and a real
Celery worker (in this process, muster's consumer and tasks, threads pool) with good
declarations queued behind them, then stops it and runs recovery again, as a restart does. The
worker must survive every file, each file must become exactly one ``foreign`` dead letter, every
declaration must open its incident, and no restart may put a foreign file back in the queue.
"""

from __future__ import annotations

import json
import os
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest
from celery import Celery
from celery.contrib.testing.worker import start_worker
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from kombu import Connection
from sqlalchemy import select

from muster.channels.retry import RetryPolicy
from muster.config.settings import Settings
from muster.worker.broker import foreign, recovery
from muster.worker.broker.app import make_app
from muster.worker.broker.transport import transport_options
from muster.worker.client import Client
from muster.worker.runtime import Runtime, install
from muster.worker.store.db import Database
from muster.worker.store.dead_letter_kinds import DeadLetterKind
from muster.worker.store.models import DeadLetter, Incident
from muster.worker.tasks.names import SWEEP
from muster.worker.tasks.registry import register
from tests.harness.configs import stack_config
from tests.harness.in_process import wake_to_stop
from tests.harness.muster_processes import MusterWorker, worker_environment
from tests.harness.peers import MattermostPeer, SmsPeer, SmtpPeer
from tests.harness.runtimes import stub_runtime
from tests.harness.waiting import wait_until

pytestmark = [pytest.mark.integration]

EXAMPLES = 12  # each starts and stops a worker (about a second)
HUGE = b"<a file over the size limit>"  # written as a sparse file of MAX_FILE + 1 bytes


@dataclass(frozen=True)
class Drop:
    """A foreign file and the folder it is dropped into (``queue`` or ``processed``)."""

    content: bytes
    folder: str


@dataclass
class Stack:
    home: Path
    queue: str
    app: Celery
    rt: Runtime
    whole: bytes  # a valid message file, as the transport writes one

    @property
    def broker(self) -> Path:
        return self.home / "broker"


@pytest.fixture
def stack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Stack]:
    queue = f"muster-foreign-{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("MUSTER_HOME", str(tmp_path))
    monkeypatch.setenv("MUSTER_QUEUE", queue)
    monkeypatch.setenv("MUSTER_POLL_INTERVAL", "0.02")
    with stub_runtime(f"sqlite:///{tmp_path / 'muster.db'}", tmp_path, RetryPolicy()) as rt:
        app = make_app("filesystem://")
        register(app)
        install(rt)
        try:
            yield Stack(tmp_path, queue, app, rt, _valid_file(tmp_path / "maker"))
        finally:
            install(None)
            app.close()


def _valid_file(root: Path) -> bytes:
    options = transport_options("musterfs://", Settings(home=root))
    with Connection("musterfs://", transport_options=options) as connection:
        connection.SimpleQueue(f"maker-{uuid.uuid4().hex[:8]}").put({"title": "t"})
    [made] = (root / "broker" / "queue").iterdir()
    return made.read_bytes()


def _foreign(data: bytes) -> bool:
    return foreign.problem(data) is not None


values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner),
    max_leaves=6,
)
wrong_shapes = st.sampled_from([b"{}", b"[]", b'{"properties": 1}', b"null"]) | values.map(
    lambda value: json.dumps(value).encode()
).filter(_foreign)


def contents(whole: bytes) -> st.SearchStrategy[bytes]:
    """Every family of foreign file, around the valid message file ``whole``."""
    envelope = json.loads(whole)

    def encoded(**changes: object) -> bytes:
        return json.dumps({**envelope, **changes}).encode()

    base64_body = {**envelope["properties"], "body_encoding": "base64"}
    return st.one_of(
        st.just(b""),
        st.integers(min_value=1, max_value=len(whole) - 1).map(lambda cut: whole[:cut]),
        st.binary(min_size=1, max_size=64).filter(_foreign),
        wrong_shapes,
        # The message muster wrote, with one part of the wrong shape.
        st.sampled_from(["properties", "headers", "body", "content-type"])
        .flatmap(lambda field: values.map(lambda value: encoded(**{field: value})))
        .filter(_foreign),
        st.text(min_size=1, max_size=20)
        .map(lambda body: encoded(body=body, properties=base64_body))
        .filter(_foreign),
        st.just(HUGE),
    )


def drops(whole: bytes) -> st.SearchStrategy[list[Drop]]:
    drop = st.builds(Drop, contents(whole), st.sampled_from(["queue", "processed"]))
    return st.lists(drop, min_size=1, max_size=6)


def write(stack: Stack, drop: Drop) -> str:
    """Drop a file where kombu names message files of the stack's queue; its name."""
    name = f"0_{uuid.uuid4()}.{stack.queue}.msg"  # sorts before every message muster queues
    folder = stack.broker / drop.folder
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / name).open("wb") as handle:
        if drop.content == HUGE:
            handle.truncate(foreign.MAX_FILE + 1)  # sparse: no disk, no time
        else:
            handle.write(drop.content)
    return name


def foreign_letters(stack: Stack) -> list[DeadLetter]:
    with stack.rt.database.transaction() as session:
        return list(session.scalars(select(DeadLetter).order_by(DeadLetter.id)))


def opened(stack: Stack, incidents: list[str]) -> bool:
    with stack.rt.database.transaction() as session:
        return all(session.get(Incident, incident) is not None for incident in incidents)


def queued_names(stack: Stack) -> set[str]:
    return queued_names_in(stack.home)


def running(worker: MusterWorker) -> bool:
    return worker.process is not None and worker.process.poll() is None


def queued_names_in(home: Path) -> set[str]:
    folder = home / "broker" / "queue"
    return set(os.listdir(folder)) if folder.exists() else set()


@given(data=st.data())
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_no_foreign_file_stops_the_worker_or_comes_back(stack: Stack, data: st.DataObject) -> None:
    dropped = data.draw(drops(stack.whole))
    before = {letter.message_id for letter in foreign_letters(stack)}
    names = [write(stack, drop) for drop in dropped]
    in_flight = {name for name, drop in zip(names, dropped, strict=True) if drop.folder != "queue"}

    recovery.recover(stack.rt)  # what `muster worker` does before it consumes
    assert not in_flight & queued_names(stack), "start-up recovery put a foreign file back"

    client = Client(app=stack.app)
    with start_worker(
        stack.app,
        pool="threads",
        concurrency=4,
        perform_ping_check=False,
        shutdown_timeout=30,
        loglevel="WARNING",
    ) as controller:
        try:
            incidents = [
                client.declare(
                    title=f"Checkout failing {n}",
                    impact="critical",
                    urgency="high",
                    services=["payments-api"],
                )
                for n in range(3)
            ]

            def all_kept() -> bool:
                stack.app.send_task(SWEEP)  # beat's sweeper keeps what was set aside
                kept = {letter.message_id for letter in foreign_letters(stack)} - before
                return kept >= set(names)

            wait_until(all_kept, timeout=30, every=0.3)
            wait_until(lambda: opened(stack, incidents), timeout=30)
        finally:
            wake_to_stop(controller)

    letters = [letter for letter in foreign_letters(stack) if letter.message_id not in before]
    assert Counter(letter.message_id for letter in letters) == Counter(names)
    assert {letter.kind for letter in letters} == {DeadLetterKind.FOREIGN}
    assert all(letter.reason for letter in letters)
    assert os.listdir(stack.broker / foreign.REJECTED) == []

    recovery.recover(stack.rt)  # a restart
    assert not set(names) & queued_names(stack), "a restart put a foreign file back"
    assert len(foreign_letters(stack)) == len(before) + len(names)
    kept = {letter.message_id: letter.payload["kept_at"] for letter in letters}
    assert all(Path(path).is_file() for path in kept.values())


def test_a_worker_started_on_braces_in_its_folders_stays_up_and_pages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 18: ``{}`` in the queue folder made ``muster worker`` exit on
    ``KeyError('properties')``, and in the in-flight folder again at every start. The real
    command, started twice on both: up both times, the incident paged, two letters, none back."""
    queue = f"muster-braces-{uuid.uuid4().hex[:8]}"
    with ExitStack() as cleanup:
        smtp, chat, sms = (
            cleanup.enter_context(peer) for peer in (SmtpPeer(), MattermostPeer(), SmsPeer())
        )
        config = tmp_path / "routing.yaml"
        stack_config(config, smtp, chat, sms)
        database = f"sqlite:///{tmp_path / 'muster.db'}"
        env = worker_environment(tmp_path, config, None, database, queue)
        names = []
        for folder in ("queue", "processed"):
            (tmp_path / "broker" / folder).mkdir(parents=True, exist_ok=True)
            name = f"0_braces-in-{folder}.{queue}.msg"
            (tmp_path / "broker" / folder / name).write_bytes(b"{}")
            names.append(name)
        worker = MusterWorker(tmp_path, env)
        cleanup.callback(worker.stop)
        worker.start()
        monkeypatch.setenv("MUSTER_HOME", str(tmp_path))
        monkeypatch.setenv("MUSTER_QUEUE", queue)
        incident = Client().declare(
            title="Checkout failing", impact="critical", urgency="high", services=["payments-api"]
        )
        store = Database.connect(database)
        cleanup.callback(store.engine.dispose)

        def kept() -> list[DeadLetter]:
            with store.transaction() as session:
                return list(session.scalars(select(DeadLetter).order_by(DeadLetter.id)))

        wait_until(lambda: any(incident in message.text for message in chat.messages), timeout=30)
        wait_until(lambda: len(kept()) == len(names), timeout=30)
        assert running(worker)
        worker.stop()
        worker.start()  # a restart: recovery puts neither file back
        assert not set(names) & queued_names_in(tmp_path)
        assert sorted(letter.message_id or "" for letter in kept()) == sorted(names)
        assert {letter.reason for letter in kept()} == {"wrong shape: no properties object"}
        assert running(worker)
