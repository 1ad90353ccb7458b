"""``muster declare``, ``milestone``, ``ack`` and ``resolve``: names the routing config does not
define, and incident ids the database does not know, are refused before anything is sent, so
the refusal needs no broker."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from muster.channels.retry import RetryPolicy
from muster.worker.cli import cli, producer
from muster.worker.incidents.declared import handle_declared
from muster.worker.messages import parse
from muster.worker.tasks.names import DECLARED
from tests.configs import DEMO
from tests.support import stub_runtime


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

    def milestone(self, incident_id: str, **fields: Any) -> str:
        self.sent.append(("milestone", {"incident_id": incident_id, **fields}))
        return "milestone-id"

    def resolve(self, incident_id: str, text: str | None = None) -> str:
        self.sent.append(("resolve", {"incident_id": incident_id}))
        return "message-id"


@pytest.fixture(autouse=True)
def no_database_here(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A home without the worker's database (unless a test makes one), whatever this
    checkout's ``var/`` holds."""
    monkeypatch.setenv("MUSTER_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("MUSTER_DATABASE_URL", raising=False)


@pytest.fixture
def client(monkeypatch: pytest.MonkeyPatch) -> FakeClient:
    fake = FakeClient()
    monkeypatch.setattr(producer, "_client", lambda: fake)
    return fake


def run(*args: str, config: Path | str = DEMO, **env: str) -> Result:
    return CliRunner().invoke(cli, list(args), env={"MUSTER_CONFIG": str(config), **env})


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


class TestMilestone:
    @pytest.mark.parametrize(
        ("options", "says"),
        [
            (
                ("--kind", "role_change", "--role", "chef", "--person", "bob"),
                "unknown role 'chef': the routing config {config} defines incident_commander, "
                "support_lead, scribe",
            ),
            (
                ("--kind", "engage", "--engage-person", "bobb"),
                "unknown person 'bobb': not in the routing config {config} (did you mean 'bob'?)",
            ),
            (
                ("--kind", "redefinition", "--impact", "apocalyptic"),
                "unknown impact 'apocalyptic': the routing config {config} defines critical, "
                "major, minor, internal",
            ),
        ],
    )
    def test_a_name_the_config_lacks_is_refused_before_sending(
        self, client: FakeClient, options: tuple[str, ...], says: str
    ) -> None:
        result = run("milestone", "inc-1", "--text", "t", *options)
        assert result.exit_code == 1
        assert result.output.strip().splitlines() == [says.format(config=DEMO)]
        assert client.sent == []


@pytest.fixture
def database(tmp_path: Path) -> Iterator[str]:
    """The worker's database, holding incident inc-1 (declared by the real handler)."""
    url = f"sqlite:///{tmp_path / 'worker.db'}"
    retry = RetryPolicy(attempts=1, initial_wait=0, max_wait=0, total=1)
    with stub_runtime(url, tmp_path, retry) as runtime:
        declared = {
            "incident_id": "inc-1",
            "title": "Checkout failing",
            "impact": "critical",
            "urgency": "high",
            "services": ["payments-api"],
        }
        handle_declared(runtime, parse(DECLARED, declared), "m-1")
        yield url


ON_AN_INCIDENT = [
    ("resolve",),
    ("milestone", "--kind", "note", "--text", "Rolled back"),
    ("ack", "--person", "bob"),
]


class TestUnknownIncident:
    @pytest.mark.parametrize("command", ON_AN_INCIDENT, ids=lambda command: command[0])
    def test_an_id_the_database_lacks_is_refused_in_one_line(
        self, client: FakeClient, database: str, command: tuple[str, ...]
    ) -> None:
        started = time.monotonic()
        result = run(*command[:1], "inc-typo", *command[1:], **waiting(database, "0.3"))
        assert result.exit_code == 1
        [line] = result.output.strip().splitlines()
        assert line.startswith("unknown incident 'inc-typo': no incident has this id")
        assert client.sent == []
        assert time.monotonic() - started >= 0.3  # waited for it first

    @pytest.mark.parametrize("command", ON_AN_INCIDENT, ids=lambda command: command[0])
    def test_a_known_id_is_sent(
        self, client: FakeClient, database: str, command: tuple[str, ...]
    ) -> None:
        result = run(*command[:1], "inc-1", *command[1:], **waiting(database, "0.3"))
        assert result.exit_code == 0, result.output
        assert [payload["incident_id"] for _, payload in client.sent] == ["inc-1"]

    def test_without_the_database_on_this_host_the_worker_judges(
        self, client: FakeClient, tmp_path: Path
    ) -> None:
        """No database URL and no embedded database in the home: sent, and no file made."""
        result = run("resolve", "inc-typo")
        assert result.exit_code == 0, result.output
        assert len(client.sent) == 1
        assert not (tmp_path / "home" / "muster.db").exists()

    def test_a_database_that_does_not_answer_says_nothing(self, client: FakeClient) -> None:
        unreachable = "postgresql+psycopg://postgres@127.0.0.1:1/muster"
        result = run("resolve", "inc-typo", **waiting(unreachable, "0"))
        assert result.exit_code == 0, result.output
        assert len(client.sent) == 1


def waiting(database: str, seconds: str) -> dict[str, str]:
    return {"MUSTER_DATABASE_URL": database, "MUSTER_INCIDENT_WAIT": seconds}
