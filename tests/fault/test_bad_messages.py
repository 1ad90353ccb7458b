"""Hypothesis-generated bad messages interleaved with good declarations, through a real broker.

Each example publishes a few bad messages raw with kombu (what a producer that is not muster's
client might send: contract violations, bodies that are no JSON, unknown task names, messages
without an id or with a body of the wrong shape, wrong arguments) around one good declaration,
on Redis, into a real ``muster worker --beat`` on PostgreSQL. Every bad message must become
exactly one dead letter of the kind its fault calls for, with a reason; every good declaration
must page its person exactly once; the worker must stay up throughout.
"""

from __future__ import annotations

import json
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from kombu import Connection
from sqlalchemy import func, select

from muster.worker.client import Client
from muster.worker.store.db import Database
from muster.worker.store.models import DeadLetter
from muster.worker.tasks.names import DECLARED
from tests.harness.fault_configs import fan_out_document, person, service
from tests.harness.fault_report import FaultRow
from tests.harness.muster_processes import MusterWorker, worker_environment
from tests.harness.peers import MattermostPeer
from tests.harness.servers import broker_url, postgres_database, purge
from tests.harness.waiting import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.fault]

PEOPLE = 5
EXAMPLES = 40  # each is a round trip through the worker (about 0.2 s)
JSON = ("application/json", "utf-8")
KINDS = ("invalid", "undecodable", "unknown_task", "malformed", "bad_arguments")


@dataclass(frozen=True)
class Bad:
    """One bad message, before it is given its id: the dead letter kind it must become."""

    kind: str
    body: str | bytes
    content: tuple[str, str] = JSON  # content type and encoding
    task: str = DECLARED
    with_id: bool = True  # False: the id travels only as the AMQP message_id property


def _not_json(data: bytes) -> bool:
    try:
        json.loads(data)
    except ValueError:
        return True
    return False


def _call(args: list[Any], kwargs: dict[str, Any] | None = None) -> str:
    return json.dumps([args, kwargs or {}, {}])


values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=8,
)
# A declaration the contract refuses (no impact), or one it takes but the config does not
# (an impact the config lacks): both are muster's handler refusing, an `invalid` letter.
refused_payload = st.dictionaries(
    st.text(max_size=20).filter(lambda key: key != "impact"), values, max_size=5
) | st.fixed_dictionaries(
    {
        "title": st.text(min_size=1, max_size=50).filter(str.strip),
        "impact": st.text(min_size=1, max_size=30).filter(lambda i: i.strip() not in {"", "major"}),
        "urgency": st.just("high"),
        "services": st.just([service(0)]),
    }
)
invalid = (refused_payload | values.filter(lambda v: not isinstance(v, dict))).map(
    lambda payload: Bad("invalid", _call([payload]))
)
undecodable = st.builds(
    Bad,
    kind=st.just("undecodable"),
    # Not empty: kombu decodes an empty JSON body as no body, which muster calls malformed.
    body=st.binary(min_size=1, max_size=64).filter(_not_json),
) | st.builds(
    Bad,
    kind=st.just("undecodable"),
    body=st.binary(max_size=64),
    content=st.sampled_from(
        [
            ("application/x-python-serialize", "binary"),
            ("application/x-yaml", "utf-8"),
            ("text/plain", "utf-8"),
            ("application/octet-stream", "binary"),
        ]
    ),
)
unknown_task = st.builds(
    Bad,
    kind=st.just("unknown_task"),
    body=st.just(_call([{"title": "x"}])),
    task=st.text(min_size=1, max_size=150).map(lambda name: f"bogus.{name}"),
)
malformed = st.builds(
    Bad, kind=st.just("malformed"), body=st.just(_call([{}])), with_id=st.just(False)
) | st.builds(
    Bad,
    kind=st.just("malformed"),
    body=(values.filter(lambda v: not (isinstance(v, list) and len(v) == 3))).map(json.dumps),
)
bad_arguments = st.builds(
    Bad,
    kind=st.just("bad_arguments"),
    body=st.tuples(st.lists(values, max_size=3), st.dictionaries(st.text(), values, max_size=2))
    .filter(lambda call: len(call[0]) != 1 or call[1])
    .map(lambda call: _call(call[0], call[1])),
)
BY_KIND = dict(
    zip(KINDS, (invalid, undecodable, unknown_task, malformed, bad_arguments), strict=True)
)
# Each example leads with a kind drawn evenly, so every kind is in every run.
bad_messages = st.tuples(
    st.sampled_from(KINDS).flatmap(BY_KIND.__getitem__),
    st.lists(st.one_of(*BY_KIND.values()), max_size=3),
).map(lambda drawn: [drawn[0], *drawn[1]])


@dataclass
class Deployment:
    worker: MusterWorker
    chat: MattermostPeer
    client: Client
    database: Database
    url: str
    queue: str

    def publish(self, bad: Bad, key: str) -> None:
        headers: dict[str, Any] = {"task": bad.task}
        options: dict[str, Any] = {}
        if bad.with_id:
            headers["id"] = key
        else:
            options["message_id"] = key
        with Connection(self.url) as connection:
            connection.Producer().publish(
                bad.body,
                exchange="",
                routing_key=self.queue,
                headers=headers,
                content_type=bad.content[0],
                content_encoding=bad.content[1],
                **options,
            )

    def letters(self, keys: list[str]) -> list[DeadLetter]:
        with self.database.transaction() as session:
            return list(session.scalars(select(DeadLetter).where(DeadLetter.message_id.in_(keys))))

    def all_letters(self) -> int:
        with self.database.transaction() as session:
            return int(session.scalar(select(func.count()).select_from(DeadLetter)) or 0)

    def pages(self) -> list[tuple[str, str]]:
        return [(m.text, m.destination) for m in self.chat.messages]


@pytest.fixture
def deployment(tmp_path: Path) -> Iterator[Deployment]:
    with ExitStack() as cleanup:
        url = broker_url("redis", tmp_path)
        assert url is not None
        database_url = cleanup.enter_context(postgres_database())
        chat = cleanup.enter_context(MattermostPeer())
        config = tmp_path / "routing.yaml"
        config.write_text(yaml.safe_dump(fan_out_document(chat.url_template(), PEOPLE)))
        queue = f"muster-fault-{uuid.uuid4().hex[:8]}"
        env = worker_environment(tmp_path, config, url, database_url, queue)
        purge(url, queue)
        worker = MusterWorker(home=tmp_path, env=env)
        cleanup.callback(worker.stop)
        worker.start()
        database = Database.connect(database_url)
        cleanup.callback(database.engine.dispose)
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("MUSTER_QUEUE", queue)
            client = Client(url)
        yield Deployment(worker, chat, client, database, url, queue)


def test_bad_messages_among_good_ones_are_each_kept_once_and_every_page_goes_out(
    deployment: Deployment, fault_report: list[FaultRow]
) -> None:
    kinds: Counter[str] = Counter()
    expected: set[tuple[str, str]] = set()
    started = time.monotonic()

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(
        bad=bad_messages,
        at=st.integers(min_value=0, max_value=4),
        who=st.integers(min_value=0, max_value=PEOPLE - 1),
    )
    def round_trip(bad: list[Bad], at: int, who: int) -> None:
        keys = [f"bad-{uuid.uuid4().hex}" for _ in bad]
        incident = ""
        for index, (message, key) in enumerate(zip(bad, keys, strict=True)):
            if index == min(at, len(bad) - 1):
                incident = deployment.client.declare(
                    title="Good one", impact="major", urgency="high", services=[service(who)]
                )
            deployment.publish(message, key)
        expected.add((incident, person(who)))
        wait_until(lambda: len(deployment.letters(keys)) == len(keys), timeout=20)
        wait_until(lambda: _paged(deployment, incident), timeout=20)
        kept = {letter.message_id: letter for letter in deployment.letters(keys)}
        for message, key in zip(bad, keys, strict=True):
            assert (kept[key].kind, bool(kept[key].reason)) == (message.kind, True), message
            kinds[message.kind] += 1
        assert deployment.worker.process is not None
        assert deployment.worker.process.poll() is None, deployment.worker.log_text()[-3000:]

    round_trip()
    time.sleep(1.0)  # anything extra still on its way arrives, and is counted
    posts = [
        (incident, destination)
        for text, destination in deployment.pages()
        for incident, _ in expected
        if incident in text
    ]
    fault_report.append(
        FaultRow.measured(
            f"{sum(kinds.values())} bad messages among {len(expected)} good",
            expected,
            posts,
            time.monotonic() - started,
            kills=0,
        )
    )
    assert sorted(posts) == sorted(expected)  # each good one paged once, nothing else
    assert deployment.all_letters() == sum(kinds.values())  # one letter per bad message, no more
    assert set(kinds) == set(KINDS)


def _paged(deployment: Deployment, incident: str) -> bool:
    return any(incident in text for text, _ in deployment.pages())
