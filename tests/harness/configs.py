"""The configs tests are built from: the shipped files, their fake secrets, a fixed instant, the
smallest useful document, and the demo config pinned and pointed at the real protocol peers.
Fixtures that write them to real files are in ``tests/conftest.py``."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from muster.config.loader import load_config
from tests.harness.peers import MattermostPeer, SmsPeer, SmtpPeer

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "config" / "example.yaml"
DEMO = REPO / "config" / "demo.yaml"

EXAMPLE_ENV = {
    "SLACK_TOKEN": "xoxb-slack-secret-token",
    "SMTP_USER": "smtp-user",
    "SMTP_PASSWORD": "smtp-password-secret",
    "TWILIO_SID": "AC00000000000000000000000000000001",  # the shapes Twilio (and Apprise) expect
    "TWILIO_TOKEN": "70c3e75ec2e54f4b9a5d2f7c1e8b6a40",
    "TWILIO_FROM": "+15550001111",
    "MUSTER_ACK_SECRET": "ack-signing-secret-0123456789",
    "MUSTER_ALERTMANAGER_TOKEN": "alertmanager-token-0123456789",
    "MUSTER_GRAFANA_TOKEN": "grafana-token-0123456789abc",
    "MUSTER_GRAFANA_HMAC": "grafana-hmac-secret-0123456789",
}

# A Wednesday, 12:00 UTC (12:00 in Dublin, winter time): with the example config, bob is the
# incident commander, dmitri the support lead, frank the scribe and heidi the payments SME.
WEDNESDAY_NOON = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def minimal_document() -> dict[str, Any]:
    """The smallest useful config: one role, one service, everyone reachable by chat and email."""
    return {
        "version": 1,
        "timezone": "UTC",
        "severity": {
            "impacts": ["major", "minor"],
            "urgencies": ["high", "low"],
            "matrix": {
                "major": {"high": "SEV1", "low": "SEV2"},
                "minor": {"high": "SEV2", "low": "SEV2"},
            },
            "levels": {
                "SEV1": {
                    "page": ["commander", "sme"],
                    "via": ["chat", "email"],
                    "ack_within": "5m",
                },
                "SEV2": {"page": ["sme"], "via": ["chat"]},
            },
        },
        "roles": {"commander": {"rotation": "commanders", "escalate_to": ["managers"]}},
        "services": {"api": {"smes": "api-oncall", "runbook": "https://runbooks.test/api"}},
        "fallback_service": "api",
        "rotations": {
            "commanders": {
                "members": ["ann", "ben"],
                "every": "1w",
                "handoff": "mon 09:00",
                "start": "2026-01-05",
            },
            "api-oncall": {"members": ["cat"]},
            "managers": {"members": ["dan"]},
        },
        "people": {
            "ann": {"name": "Ann", "chat": "ann", "email": "ann@example.com"},
            "ben": {"name": "Ben", "chat": "ben", "email": "ben@example.com"},
            "cat": {"name": "Cat", "chat": "cat", "email": "cat@example.com"},
            "dan": {"name": "Dan", "chat": "dan", "email": "dan@example.com"},
        },
        "contacts": {
            "chat": "json://127.0.0.1/chat/{chat}",
            "email": "mailto://127.0.0.1?to={email}&from=muster@example.com",
            "fallback": {"chat": "email"},
        },
    }


def pinned_rotations(document: dict[str, Any]) -> dict[str, Any]:
    """Each of the demo's rotations as a one-member rotation of whoever holds it at
    WEDNESDAY_NOON, and no overrides: the holders the assertions name cannot change while a test
    runs on the real clock, whatever the date and hour (rotations themselves are tested on a
    passed-in clock)."""
    routing = load_config(DEMO, {}).routing
    pinned = {}
    for name in document["rotations"]:
        holder = routing.on_call(name, WEDNESDAY_NOON)
        assert holder is not None, f"the demo's {name} has nobody on call at WEDNESDAY_NOON"
        pinned[name] = {"members": [holder]}
    return pinned


def stack_config(path: Path, smtp: SmtpPeer, chat: MattermostPeer, sms: SmsPeer) -> None:
    document: dict[str, Any] = yaml.safe_load(DEMO.read_text())
    document["rotations"] = pinned_rotations(document)
    document.pop("overrides", None)
    document["contacts"] = {
        "email": smtp.url_template(),
        "sms": sms.url_template(),
        "chat": chat.url_template(),
        "fallback": {"sms": "email", "chat": "email"},
    }
    document["broadcasts"] = {
        "incident_room": chat.room_url("incidents"),
        "summaries": chat.room_url("incident-summaries"),
        "stakeholders": chat.room_url("stakeholders"),
    }
    document["services"]["payments-api"]["room"] = chat.room_url("payments-incidents")
    path.write_text(yaml.safe_dump(document, sort_keys=False))


def alice_covers_bob(folder: Path) -> Path:
    """The demo config with alice holding bob's incident-commander turn one night (Dublin
    wall times, UTC in winter)."""
    document = yaml.safe_load(DEMO.read_text())
    document["overrides"] = [
        {
            "rotation": "incident-commanders",
            "person": "alice",
            "from": "2026-11-26T18:00:00",
            "until": "2026-11-27T08:00:00",
        }
    ]
    config = folder / "routing.yaml"
    config.write_text(yaml.safe_dump(document))
    return config
