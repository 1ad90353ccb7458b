"""The producer client is only a producer: it loads the contract and Celery, nothing of the
worker, and touches no file until it sends."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from amqp.exceptions import MessageNacked
from celery import Celery

from muster.worker.client import BrokerUnavailable, Client

WORKER_ONLY = (
    "sqlalchemy",
    "alembic",
    "apprise",
    "tenacity",
    "muster.worker.incidents",
    "muster.worker.timers",
    "muster.worker.tasks.contract",  # the tasks; the client sends by tasks.names only
    "muster.worker.tasks.own",
    "muster.worker.tasks.rejection",
    "muster.worker.tasks.registry",
    "muster.worker.store",
    "muster.worker.deliveries",
    "muster.channels",
    "muster.config.loader",
)

PROBE = """
import json, sys
from muster.worker.client import Client
Client()  # building one reads the settings and makes the app, nothing more
print(json.dumps(sorted(sys.modules)))
"""


def test_importing_and_building_a_client_loads_no_worker_code_and_makes_no_files(
    tmp_path: Path,
) -> None:
    """In an empty working folder on the embedded default: no database, Apprise or handler
    module is imported, and the folder stays empty (no var/broker)."""
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )
    loaded = json.loads(result.stdout)
    heavy = sorted(
        name for name in loaded if any(name == m or name.startswith(m + ".") for m in WORKER_ONLY)
    )
    assert heavy == []
    assert "celery" in loaded
    assert "muster.worker.messages" in loaded
    assert list(tmp_path.iterdir()) == []


def test_an_unreachable_broker_is_one_clear_line_after_the_retry_budget(tmp_path: Path) -> None:
    """``muster declare`` against a broker nobody answers: it retries for MUSTER_PUBLISH_TIMEOUT,
    then exits 1 with one line naming the masked broker URL; no traceback, no password."""
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "muster.worker.cli",
            "declare",
            "--title",
            "Checkout failing",
            "--impact",
            "critical",
            "--urgency",
            "high",
            "--service",
            "payments-api",
        ],
        cwd=tmp_path,
        env={
            "PATH": "/usr/bin:/bin",
            "MUSTER_BROKER_URL": "amqp://guest:hunter2@127.0.0.1:1//",
            "MUSTER_PUBLISH_TIMEOUT": "1",
        },
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 4  # the broker is unusable (muster.worker.cli.failures)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "cannot reach the broker at amqp://****@127.0.0.1:1" in lines[0]
    assert "nothing was queued" in lines[0]
    assert "hunter2" not in result.stderr + result.stdout


def test_every_worker_task_retries_without_limit() -> None:
    """A database outage is retried until the database is back: no muster task has Celery's
    default limit of three retries, after which a message would be dropped."""
    from muster.worker.tasks.registry import worker_app  # noqa: PLC0415 - the worker, not the client

    app = worker_app()
    mine = {name: task for name, task in app.tasks.items() if name.startswith("muster.")}
    # the contract's five, own six (keeping a dead letter among them), the CLI's two shift notices
    assert len(mine) == 13
    assert {name: task.max_retries for name, task in mine.items()} == dict.fromkeys(mine)


def test_a_message_the_broker_refuses_is_one_clear_line_too() -> None:
    """RabbitMQ answers a publish with a negative confirm (a full queue set to reject): the
    producer says nothing was queued, without a traceback or the broker's credentials."""

    class Refusing(Celery):
        def send_task(self, *args: Any, **kwargs: Any) -> Any:
            raise MessageNacked("Message was nacked by broker")

    client = Client(app=Refusing("muster", broker="amqp://guest:secret-pass@127.0.0.1:1//"))
    with pytest.raises(BrokerUnavailable) as refused:
        client.declare(
            title="Checkout failing", impact="critical", urgency="high", services=["api"]
        )
    assert "refused the message" in str(refused.value)
    assert "secret-pass" not in str(refused.value)


class Recording(Celery):
    """Celery that keeps what would have been sent (the contract check comes before)."""

    sent: list[tuple[str, Any]]

    def send_task(self, name: str, *args: Any, **kwargs: Any) -> Any:
        self.sent = [*getattr(self, "sent", []), (name, kwargs["args"])]
        return type("Result", (), {"id": "message-1"})()


@pytest.mark.parametrize(
    ("field", "value", "prefix"),
    [
        ("fingerprint", "alerts:alertmanager:0123456789abcdef", "alerts:"),
        ("fingerprint", "heartbeat:nightly-backup", "heartbeat:"),
        ("fingerprint", "caller:script:fp-1", "caller:"),
        ("incident_id", "alert-0123456789abcdef", "alert-"),
        ("incident_id", "hb-0123456789abcdef", "hb-"),
    ],
)
def test_a_producer_cannot_declare_in_musters_reserved_namespaces(
    field: str, value: str, prefix: str
) -> None:
    """A script (the Python client, the CLI) cannot take an alert group's or a heartbeat's
    fingerprint, nor the id a webhook or a heartbeat miss would declare: one clear reason
    naming the prefix, and nothing is sent."""
    from muster.worker.messages import InvalidMessage  # noqa: PLC0415

    app = Recording("muster", broker="memory://")
    client = Client(app=app)
    with pytest.raises(InvalidMessage) as refused:
        client.declare(
            title="Harmless", impact="minor", urgency="low", services=["api"], **{field: value}
        )
    assert repr(prefix) in refused.value.reason
    assert getattr(app, "sent", []) == []


def test_a_producer_cannot_resolve_by_a_reserved_fingerprint() -> None:
    from muster.worker.messages import InvalidMessage  # noqa: PLC0415
    from muster.worker.tasks.names import RESOLVED  # noqa: PLC0415

    client = Client(app=Recording("muster", broker="memory://"))
    with pytest.raises(InvalidMessage, match="'heartbeat:' is reserved"):
        client.send(RESOLVED, {"fingerprint": "heartbeat:nightly-backup"})


def test_muster_own_intake_publishes_its_webhook_declarations() -> None:
    """The web process publishes what it built (an alert group's fingerprint and declaration
    id) as muster's own; ids of the reserved namespaces pass there."""
    from muster.worker.tasks.names import DECLARED  # noqa: PLC0415

    app = Recording("muster", broker="memory://")
    payload = {
        "incident_id": "alert-0123456789abcdef",
        "fingerprint": "alerts:alertmanager:0123456789abcdef",
        "title": "Payments down",
        "impact": "critical",
        "urgency": "high",
        "services": ["payments-api"],
    }
    assert Client(app=app).send(DECLARED, payload, own=True) == "message-1"
    assert [name for name, _ in app.sent] == [DECLARED]
