"""Peers that fail: 500s, a 429 with ``Retry-After``, a gateway that never answers, and a 400.

A real ``muster worker --beat`` on Redis and PostgreSQL pages sixteen people by chat (a real
Mattermost webhook peer; sixteen is as many as a worker sends at once, so a retry's wait is
paid once per scenario), with SMS (a real signal-cli REST peer) as each person's fallback.
Each scenario makes the chat peer fail every person's first tries in one way and asserts both
nothing missing and nothing extra: every person gets exactly one page in the end, from one peer.
Transient failures are retried until chat delivers (``Retry-After`` honoured, and the wait
measured at the peer); a 400 is tried once and SMS pages the person instead.
"""

from __future__ import annotations

import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass

import pytest
import yaml

from muster.worker.client import Client
from tests.harness.fault_configs import fan_out_document, person, phone, service
from tests.harness.fault_report import FaultRow
from tests.harness.muster_processes import MusterWorker, worker_environment
from tests.harness.peers import MattermostPeer, Reply, SmsPeer
from tests.harness.servers import broker_url, postgres_database, purge
from tests.harness.waiting import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.fault]

PEOPLE = 16  # a fan-out whose sends are all on the wire at once (the sending pool holds 256)

READ_TIMEOUT = 1.0  # Apprise's read timeout for chat (``rto``): a hang is longer than this
RETRY_AFTER = 2.0  # longer than any backoff the test worker takes (at most 0.2 s + 0.5 s jitter)
SETTLE = 1.5  # after the last page: anything extra still on its way arrives, and is counted


@dataclass(frozen=True)
class Fault:
    """What the chat peer answers each person's first requests, and what must follow."""

    label: str
    replies: tuple[Reply, ...]
    chat_tries: int  # requests per person the chat peer must see, the last one accepted if via chat
    via: str  # the kind that pages each person in the end


def _error(status: int, headers: dict[str, str] | None = None) -> Reply:
    return Reply.json(status, {"message": "fault", "status_code": status}, headers)


FAULTS = [
    Fault("500 twice", (_error(500), _error(500)), chat_tries=3, via="chat"),
    Fault(
        f"429, Retry-After {RETRY_AFTER:g} s",
        (_error(429, {"Retry-After": f"{RETRY_AFTER:g}"}),),
        chat_tries=2,
        via="chat",
    ),
    Fault(
        f"no answer within the {READ_TIMEOUT:g} s read timeout",
        (Reply.hang(READ_TIMEOUT + 1.5),),
        chat_tries=2,
        via="chat",
    ),
    Fault(
        "400, falls back to SMS", (_error(400),) * 4, chat_tries=1, via="sms"
    ),  # a retry would get 400 again
]


@dataclass
class Deployment:
    worker: MusterWorker
    chat: MattermostPeer
    sms: SmsPeer
    client: Client


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    home = tmp_path_factory.mktemp("peer-faults")
    with ExitStack() as cleanup:
        url = broker_url("redis", home)
        assert url is not None
        database = cleanup.enter_context(postgres_database())
        chat = cleanup.enter_context(MattermostPeer())
        sms = cleanup.enter_context(SmsPeer())
        config = home / "routing.yaml"
        document = fan_out_document(
            f"{chat.url_template()}&rto={READ_TIMEOUT:g}", PEOPLE, sms_template=sms.url_template()
        )
        config.write_text(yaml.safe_dump(document))
        queue = f"muster-fault-{uuid.uuid4().hex[:8]}"
        env = worker_environment(home, config, url, database, queue)
        purge(url, queue)
        worker = MusterWorker(home=home, env=env)
        cleanup.callback(worker.stop)
        worker.start()
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("MUSTER_QUEUE", queue)
            client = Client(url)
        yield Deployment(worker, chat, sms, client)


@pytest.mark.parametrize("fault", FAULTS, ids=lambda fault: fault.label)
def test_failing_peer_still_pages_everyone_exactly_once(
    deployment: Deployment, fault: Fault, fault_report: list[FaultRow]
) -> None:
    chat, sms = deployment.chat, deployment.sms
    chat.clear()
    sms.clear()
    chat.fail_each(*fault.replies)
    started = time.monotonic()
    incident = deployment.client.declare(
        title=f"Peer fault: {fault.label}",
        impact="major",
        urgency="high",
        services=[service(i) for i in range(PEOPLE)],
    )
    expected = {(incident, person(i)) for i in range(PEOPLE)}
    wait_until(lambda: expected <= set(_posts(deployment, incident)), timeout=60)
    recovered = time.monotonic() - started
    time.sleep(SETTLE)
    posts = _posts(deployment, incident)
    tries = Counter(chat.destination(request.json) for request in chat.requests)
    waits = _waits(chat) if fault.label.startswith("429") else []
    label = f"chat peer: {fault.label}"
    if waits:
        label += f" (waited {min(waits):.2f}-{max(waits):.2f} s)"
    fault_report.append(FaultRow.measured(label, expected, posts, recovered, kills=0))

    assert sorted(posts) == sorted(expected)  # nothing missing, nothing extra, nobody twice
    assert tries == {person(i): fault.chat_tries for i in range(PEOPLE)}
    by_sms = {to for to, _ in sms.messages}
    assert len(sms.messages) == (PEOPLE if fault.via == "sms" else 0)
    assert len(by_sms) == len(sms.messages)
    if waits:
        assert min(waits) >= RETRY_AFTER, "a retry came before the peer's Retry-After"
        assert max(waits) < RETRY_AFTER + 1.5
    assert deployment.worker.process is not None
    assert deployment.worker.process.poll() is None


def _posts(deployment: Deployment, incident: str) -> list[tuple[str, str]]:
    """(incident, person) for every page a peer accepted, by chat or by SMS."""
    numbers = {phone(i): person(i) for i in range(PEOPLE)}
    found = [(incident, m.destination) for m in deployment.chat.messages if incident in m.text]
    found += [(incident, numbers.get(m.to, m.to)) for m in deployment.sms.messages]
    return found


def _waits(chat: MattermostPeer) -> list[float]:
    """Per person, seconds from the answered 429 to the next try, as the peer saw them."""
    arrivals: dict[str, list[float]] = {}
    for request in chat.requests:
        arrivals.setdefault(chat.destination(request.json), []).append(request.received_at)
    return [times[1] - times[0] for times in arrivals.values() if len(times) > 1]
