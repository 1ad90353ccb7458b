"""``muster test-page PERSON [--kind K]``: a clearly marked test page by each contact kind, sent
at once through Apprise to the real SMTP, Mattermost and SMS peers (no worker running),
recorded as deliveries, and each provider's answer printed, addresses masked.

Alice (the demo team, pointed at the peers) has an email, an SMS number and a chat handle.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from muster.worker.cli import cli
from muster.worker.core.paging.deliveries import DeliveryPurpose, DeliveryStatus
from muster.worker.store.db import Database
from muster.worker.store.models import Delivery, DeliveryAttempt
from tests.harness.configs import stack_config
from tests.harness.peers import MattermostPeer, SmsPeer, SmtpPeer

# The page says when it was sent: the command reads the real clock (nothing asserted on it).
pytestmark = pytest.mark.wallclock

ALICE_SMS = "+353850000001"
Peers = tuple[SmtpPeer, MattermostPeer, SmsPeer]


@pytest.fixture
def peers(smtp_peer: SmtpPeer, chat_peer: MattermostPeer, sms_peer: SmsPeer) -> Peers:
    return smtp_peer, chat_peer, sms_peer


@pytest.fixture
def config(tmp_path: Path, peers: Peers) -> Path:
    path = tmp_path / "routing.yaml"
    stack_config(path, *peers)
    return path


def run_test_page(config: Path, *args: str) -> Any:
    """The command on ``config``, its database beside it, one try a send."""
    environment = {
        "MUSTER_HOME": str(config.parent),
        "MUSTER_DATABASE_URL": f"sqlite:///{config.parent / 'muster.db'}",
        "MUSTER_RETRY_ATTEMPTS": "1",
        "MUSTER_PERSON": "erin",
    }
    return CliRunner().invoke(cli, ["test-page", *args, "--config", str(config)], env=environment)


def recorded(config: Path) -> list[Delivery]:
    database = Database.connect(f"sqlite:///{config.parent / 'muster.db'}")
    try:
        with database.transaction() as session:
            return list(session.scalars(select(Delivery).order_by(Delivery.id)))
    finally:
        database.engine.dispose()


def test_a_test_page_goes_by_each_kind_marked_as_a_test_and_each_answer_is_printed(
    config: Path, peers: Peers
) -> None:
    smtp, chat, sms = peers

    result = run_test_page(config, "alice")

    assert (result.exit_code, result.output) == (0, "email: sent\nsms: sent\nchat: sent\n")
    (mail,) = smtp.messages
    assert mail.rcpt_tos == ("alice@example.com",)
    assert mail.subject.startswith("TEST \u2014 no incident")
    assert "there is no incident and nothing to do" in mail.text
    assert "Sent by erin" in mail.text
    ((number, text),) = sms.messages
    assert (number, text[:18]) == (ALICE_SMS, "TEST - no incident")
    (post,) = chat.messages
    assert "TEST \u2014 no incident" in post.text


def test_each_test_page_is_recorded_as_a_delivery_about_no_incident(config: Path) -> None:
    run_test_page(config, "alice")

    rows = recorded(config)

    assert [(r.kind, r.purpose, r.status) for r in rows] == [
        (kind, DeliveryPurpose.TEST_PAGE, DeliveryStatus.SENT) for kind in ("email", "sms", "chat")
    ]
    assert {r.incident_id for r in rows} == {None}
    assert len({r.reason for r in rows}) == 1


def test_kind_sends_by_that_kind_only(config: Path, peers: Peers) -> None:
    smtp, chat, sms = peers

    result = run_test_page(config, "alice", "--kind", "sms")

    assert (result.exit_code, result.output) == (0, "sms: sent\n")
    assert len(sms.messages) == 1
    assert smtp.messages == []
    assert chat.messages == []


def test_a_provider_that_answers_an_error_is_printed_masked_and_exits_1(
    config: Path, peers: Peers
) -> None:
    _, _, sms = peers
    sms.refuse(ALICE_SMS)

    result = run_test_page(config, "alice")

    assert result.exit_code == 1
    email, failed, chat = result.output.splitlines()
    assert (email, chat) == ("email: sent", "chat: sent")
    assert failed.startswith("sms: failed: ")
    assert "400" in failed
    assert ALICE_SMS not in result.output
    (row,) = [r for r in recorded(config) if r.kind == "sms"]
    assert row.status == DeliveryStatus.FAILED


def test_a_second_test_is_sent_again_and_recorded_apart(config: Path, peers: Peers) -> None:
    run_test_page(config, "alice", "--kind", "email")

    run_test_page(config, "alice", "--kind", "email")

    assert len(peers[0].messages) == 2
    assert len({r.reason for r in recorded(config)}) == 2


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (("zed",), "muster: no person 'zed' in the config"),
        (("alice", "--kind", "pager"), "muster: alice cannot be reached by 'pager'"),
        (("frank", "--kind", "sms"), "muster: frank cannot be reached by 'sms'"),
    ],
)
def test_an_unknown_person_or_kind_is_one_line_and_exit_2_and_sends_nothing(
    config: Path, peers: Peers, args: tuple[str, ...], line: str
) -> None:
    result = run_test_page(config, *args)

    assert result.exit_code == 2
    (only,) = result.output.splitlines()
    assert only.startswith(line)
    assert all(peer.messages == [] for peer in peers)


def test_the_attempt_is_recorded_with_the_providers_error_and_never_the_number(
    config: Path, peers: Peers
) -> None:
    peers[2].refuse(ALICE_SMS)
    run_test_page(config, "alice", "--kind", "sms")
    database = Database.connect(f"sqlite:///{config.parent / 'muster.db'}")
    try:
        with database.transaction() as session:
            (error,) = session.scalars(select(DeliveryAttempt.error)).all()
    finally:
        database.engine.dispose()

    assert error is not None
    assert ALICE_SMS not in error
