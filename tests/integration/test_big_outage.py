"""A big outage end to end: one Alertmanager notification of 5,000 alerts over 300 services,
POSTed to muster's web process, queued on the embedded broker, declared by a real worker, and
paged at a local chat peer. Every service's SME is paged, once, however many services they
hold; and no other caller could have made the group join a harmless incident of its own first.
The time from the POST to the last first page is printed (no assertion on it)."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import select

from muster.worker.core.intake.alerts import AlertWebhook, declaration_id, group_fingerprint
from muster.worker.store.db import Database
from muster.worker.store.models import Incident
from tests.harness.alert_bodies import outage
from tests.harness.configs import minimal_document
from tests.harness.muster_processes import MusterWorker, worker_environment
from tests.harness.peers import MattermostPeer
from tests.harness.peers.alertmanager import AlertmanagerPeer
from tests.harness.peers.common import free_port
from tests.harness.waiting import wait_until

pytestmark = pytest.mark.integration

ALERTMANAGER = "alertmanager-token-0123456789"
SCRIPT = "script-token-0123456789abcdef"
SERVICES = 300
TEAMS = 30  # each team's SME holds ten services
ALERTS = 5000
LIMITS = {"chat": {"max": 3, "per": "15m"}}


def outage_document(chat: MattermostPeer) -> dict[str, Any]:
    """300 services, an SME rotation per team of ten, everyone paged by chat at the peer, with
    storm limits (one page each here: an SME of ten services gets one page naming them)."""
    document = minimal_document()
    document["rotations"]["commanders"] = {"members": ["ann"]}
    document["severity"]["levels"]["SEV1"]["via"] = ["chat"]
    document["contacts"] = {"chat": chat.url_template()}
    for person in document["people"].values():
        person.pop("email", None)
    document["limits"] = {"kinds": LIMITS}
    for team in range(TEAMS):
        document["rotations"][f"team-{team}"] = {"members": [f"sme{team}"]}
        document["people"][f"sme{team}"] = {"name": f"SME {team}", "chat": f"sme{team}"}
    for n in range(SERVICES):
        document["services"][f"svc-{n}"] = {"smes": f"team-{n % TEAMS}"}
    document["intake"] = {
        "callers": {"alertmanager": {"token": ALERTMANAGER}, "script": {"token": SCRIPT}},
        "defaults": {"impact": "major", "urgency": "high"},
    }
    return document


@dataclass
class Stack:
    url: str
    database: Database
    chat: MattermostPeer

    def post(self, path: str, body: Any, token: str) -> tuple[int, str]:
        request = urllib.request.Request(  # noqa: S310 - the test's own web process
            f"{self.url}{path}",
            data=json.dumps(body).encode(),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as answer:  # noqa: S310
                return answer.status, answer.read().decode()
        except urllib.error.HTTPError as refused:
            return refused.code, refused.read().decode()

    def incidents(self) -> list[Incident]:
        with self.database.transaction() as session:
            return list(session.scalars(select(Incident)))


def healthy(url: str) -> bool:
    with suppress(OSError), urllib.request.urlopen(f"{url}/healthz", timeout=1) as answer:  # noqa: S310
        return answer.status == 200
    return False


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    with MattermostPeer() as chat:
        config = tmp_path / "routing.yaml"
        config.write_text(yaml.safe_dump(outage_document(chat), sort_keys=False))
        port = free_port()
        database = f"sqlite:///{tmp_path / 'muster.db'}"
        env = worker_environment(
            tmp_path, config, None, database, f"muster-big-{uuid.uuid4().hex[:8]}", PORT=str(port)
        )
        worker = MusterWorker(tmp_path, env, args=("--web",)).start()
        url = f"http://127.0.0.1:{port}"
        try:
            wait_until(lambda: healthy(url), timeout=20)
            yield Stack(url, Database.connect(database), chat)
        finally:
            worker.stop()


def test_a_5000_alert_300_service_group_pages_every_services_sme_once(stack: Stack) -> None:
    body = outage(ALERTS, SERVICES)
    size = len(json.dumps(body))
    started = time.perf_counter()
    status, answer = stack.post("/v1/alertmanager", body, ALERTMANAGER)
    accepted = time.perf_counter() - started
    assert status == 202, answer
    people = {"ann", *(f"sme{team}" for team in range(TEAMS))}
    stack.chat.wait_for(len(people), timeout=120)
    paged = time.perf_counter() - started
    print(
        f"\n{ALERTS} alerts, {SERVICES} services, {size / 1e6:.1f} MB: 202 after "
        f"{accepted:.2f} s, all {len(people)} first pages after {paged:.2f} s"
    )
    time.sleep(1)  # nobody paged twice
    per_person = Counter(message.destination for message in stack.chat.messages)
    assert per_person == dict.fromkeys(people, 1)
    [incident] = stack.incidents()
    assert incident.severity == "SEV1"
    assert len(incident.services) == SERVICES
    [page] = [m.text for m in stack.chat.messages if m.destination == "sme7"]
    assert "svc-7, svc-37" in page
    assert "and the SMEs of 290 more services" in page


def test_no_script_can_make_the_group_join_its_harmless_incident_first(stack: Stack) -> None:
    """The script declares a SEV4 with the group's fingerprint (computable from the group key
    and the caller's name), then with the id the notification would declare: both 422. The
    real notification then declares its own incident, which pages."""
    body = outage(20, 3)
    hook = AlertWebhook.model_validate(body)
    fingerprint = group_fingerprint("alertmanager", hook.group_key)
    harmless = {"title": "Harmless", "impact": "minor", "urgency": "low", "services": ["api"]}
    for squat in (
        {"fingerprint": fingerprint},
        {"fingerprint": "heartbeat:nightly"},
        {"incident_id": declaration_id(fingerprint, list(hook.alerts))},
    ):
        status, answer = stack.post("/v1/messages/declared", {**harmless, **squat}, SCRIPT)
        assert status == 422, answer
        assert "is reserved" in answer
    # What the script may declare, with a fingerprint of its own, is its own incident.
    status, _ = stack.post("/v1/messages/declared", {**harmless, "fingerprint": "x"}, SCRIPT)
    assert status == 202
    status, answer = stack.post("/v1/alertmanager", body, ALERTMANAGER)
    assert status == 202, answer
    incidents = wait_until(lambda: len(stack.incidents()) == 2 and stack.incidents())
    by_source = {incident.source: incident for incident in incidents}
    assert by_source["alertmanager"].fingerprint == fingerprint
    assert by_source["alertmanager"].severity == "SEV1"
    assert by_source["script"].fingerprint == "caller:script:x"
    # The alert's pages: the commander and the SMEs of svc-0, svc-1 and svc-2.
    wait_until(
        lambda: {"ann", "sme0", "sme1", "sme2"} <= {m.destination for m in stack.chat.messages}
    )


class PatientAlertmanager(AlertmanagerPeer):
    """Alertmanager waiting 3 s before a group's first notification (``group_wait``, 30 s by
    default in Alertmanager), so all the alerts posted at once are in it."""

    def config(self) -> dict[str, Any]:
        document = super().config()
        document["route"]["group_wait"] = "3s"
        return document

    def post(self, *alerts: dict[str, Any]) -> None:
        request = urllib.request.Request(  # noqa: S310 - loopback
            f"{self.url}/api/v2/alerts",
            data=json.dumps(list(alerts)).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=60) as answer:  # noqa: S310
            assert answer.status == 200, answer.read()


def test_a_real_alertmanagers_5000_alert_group_pages_every_services_sme_once(
    stack: Stack, tmp_path: Path
) -> None:
    """The same outage as Alertmanager itself sends it (its own body, no ``max_alerts``)."""
    alerts = [
        {key: alert[key] for key in ("labels", "annotations", "generatorURL")}
        for alert in outage(ALERTS, SERVICES)["alerts"]
    ]
    people = {"ann", *(f"sme{team}" for team in range(TEAMS))}
    with PatientAlertmanager(tmp_path, f"{stack.url}/v1/alertmanager", ALERTMANAGER) as peer:
        started = time.perf_counter()
        peer.post(*alerts)
        stack.chat.wait_for(len(people), timeout=120)
        print(
            f"\nAlertmanager: {ALERTS} alerts posted to the last first page in "
            f"{time.perf_counter() - started:.2f} s (its group_wait 3 s included)"
        )
        time.sleep(1)
    per_person = Counter(message.destination for message in stack.chat.messages)
    assert per_person == dict.fromkeys(people, 1)
    [incident] = stack.incidents()
    assert len(incident.services) == SERVICES
