"""``muster declare`` and ``muster ack``: names the routing config does not define are refused
before anything is sent, so the refusal needs no broker."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from muster.worker.cli import cli, producer
from tests.configs import DEMO


@dataclass
class FakeClient:
    """The producer client, recording what would be sent."""

    sent: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def acknowledge(self, incident_id: str, *, person: str, role: str | None = None) -> str:
        self.sent.append(("ack", {"incident_id": incident_id, "person": person}))
        return "message-id"

    def declare(self, **fields: Any) -> str:
        self.sent.append(("declare", fields))
        return str(fields.get("incident_id") or "inc-new")


@pytest.fixture
def client(monkeypatch: pytest.MonkeyPatch) -> FakeClient:
    fake = FakeClient()
    monkeypatch.setattr(producer, "_client", lambda: fake)
    return fake


def run(*args: str, config: Path | str = DEMO) -> Result:
    return CliRunner().invoke(cli, list(args), env={"MUSTER_CONFIG": str(config)})


DECLARE = ("declare", "--title", "Checkout failing", "--id", "inc-7")


class TestDeclare:
    @pytest.mark.parametrize(
        ("option", "value", "defined"),
        [
            ("--impact", "apocalyptic", "critical, major, minor, internal"),
            ("--urgency", "yesterday", "high, medium, low"),
        ],
    )
    def test_an_unknown_impact_or_urgency_is_refused_before_sending(
        self, client: FakeClient, option: str, value: str, defined: str
    ) -> None:
        """One line naming the value and the ones the config defines, exit 1, nothing sent."""
        given = {"--impact": "critical", "--urgency": "high", option: value}
        args = [part for pair in given.items() for part in pair]
        result = run(*DECLARE, *args, "--service", "payments-api")
        assert result.exit_code == 1
        what = option.removeprefix("--")
        assert result.output.strip().splitlines() == [
            f"unknown {what} {value!r}: the routing config {DEMO} defines {defined}"
        ]
        assert client.sent == []

    def test_an_unknown_service_is_sent_with_a_warning(self, client: FakeClient) -> None:
        """The contract allows unknown services: sent, with a warning on stderr that the
        fallback service's SMEs get them."""
        result = run(
            *DECLARE,
            "--impact",
            "critical",
            "--urgency",
            "high",
            "--service",
            "payments-api",
            "--service",
            "billing-v2",
        )
        assert result.exit_code == 0, result.output
        assert result.stdout == "inc-7\n"
        assert result.stderr == (
            "warning: unknown service 'billing-v2': the config routes it to the SMEs of"
            " platform (fallback_service)\n"
        )
        assert [fields["services"] for _, fields in client.sent] == [["payments-api", "billing-v2"]]

    def test_known_names_are_sent_quietly(self, client: FakeClient) -> None:
        """Nothing to say: the id on stdout, nothing on stderr."""
        result = run(*DECLARE, "--impact", "minor", "--urgency", "low", "--service", "search")
        assert (result.exit_code, result.stdout, result.stderr) == (0, "inc-7\n", "")
        assert len(client.sent) == 1


class TestAck:
    def test_an_unknown_person_is_refused_before_sending(self, client: FakeClient) -> None:
        """``--person nobody``: one line naming the problem, exit 1, nothing sent."""
        result = run("ack", "inc-1", "--person", "nobody")
        assert result.exit_code == 1
        assert result.output.strip().splitlines() == [
            f"unknown person 'nobody': not in the routing config {DEMO}"
        ]
        assert client.sent == []

    def test_a_near_miss_gets_a_suggestion(self, client: FakeClient) -> None:
        """A typo of a known person's id names the likely one."""
        result = run("ack", "inc-1", "--person", "bobb")
        assert result.exit_code == 1
        assert "(did you mean 'bob'?)" in result.output

    def test_a_known_person_is_sent(self, client: FakeClient) -> None:
        """bob is in the config: the acknowledgement is queued and the id printed."""
        result = run("ack", "inc-1", "--person", "bob")
        assert result.exit_code == 0, result.output
        assert result.output == "inc-1\n"
        assert client.sent == [("ack", {"incident_id": "inc-1", "person": "bob"})]

    def test_without_a_readable_config_the_worker_judges(
        self, client: FakeClient, tmp_path: Path
    ) -> None:
        """A producer on a host without the config sends, and the worker refuses if need be."""
        result = run("ack", "inc-1", "--person", "nobody", config=tmp_path / "absent.yaml")
        assert result.exit_code == 0, result.output
        assert client.sent == [("ack", {"incident_id": "inc-1", "person": "nobody"})]
