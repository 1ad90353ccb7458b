"""Acknowledge links: signed per incident and person, carried by email and chat pages (the web
process serves them: tests/worker/web/test_acks.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from muster.config.loader import LoadedConfig
from muster.worker.core.intake.ack_tokens import AckToken, sign, verify
from muster.worker.core.paging.incident import Incident
from muster.worker.core.paging.plan import build_page_plan
from muster.worker.core.rendering.render import render_chat, render_email, render_page
from tests.harness.configs import WEDNESDAY_NOON, minimal_document

SECRET = "a-long-enough-signing-secret"


class TestTokens:
    def test_a_token_names_its_incident_person_and_issue_time(self) -> None:
        """What was signed comes back out (to the second)."""
        token = verify(SECRET, sign(SECRET, "inc-1", "bob", WEDNESDAY_NOON))
        assert token == AckToken("inc-1", "bob", WEDNESDAY_NOON)

    def test_a_token_says_its_version(self) -> None:
        """Tokens that carry their issue time start ``2.``: a format change stays readable."""
        assert sign(SECRET, "inc-1", "bob", WEDNESDAY_NOON).startswith("2.")

    @pytest.mark.parametrize(
        "tamper",
        [
            lambda t: sign("another-secret-entirely", "inc-1", "bob", WEDNESDAY_NOON),
            lambda t: (
                sign(SECRET, "inc-1", "alice", WEDNESDAY_NOON).rpartition(".")[0]
                + "."
                + t.rpartition(".")[2]
            ),
            lambda t: t[:-2],
            lambda t: "garbage",
            lambda t: "3." + t.partition(".")[2],  # another version, same payload
            lambda t: t.partition(".")[2],  # the version cut off
        ],
    )
    def test_an_altered_token_is_refused(self, tamper: Callable[[str], str]) -> None:
        """Another secret, another person, a cut signature or version: nothing verifies."""
        assert verify(SECRET, tamper(sign(SECRET, "inc-1", "bob", WEDNESDAY_NOON))) is None


def test_pages_carry_the_link_when_the_config_sets_ack(
    load_yaml: Callable[..., LoadedConfig],
) -> None:
    """Email and chat pages link to the ack endpoint with the person's own token."""
    document = minimal_document()
    document["ack"] = {"url": "https://muster.test/ack", "secret": "${ACK_SECRET}"}
    routing = load_yaml(document, {"ACK_SECRET": SECRET}).routing
    incident = Incident(id="inc-1", title="t", impact="major", urgency="high", services=("api",))
    plan = build_page_plan(routing, incident, WEDNESDAY_NOON)
    token = sign(SECRET, "inc-1", plan.pages[0].person, WEDNESDAY_NOON)  # the plan's instant
    link = f"https://muster.test/ack/{token}"
    assert f"Acknowledge: {link}" in render_email(routing, incident, plan, plan.pages[0]).body
    assert f"[Acknowledge]({link})" in render_chat(routing, incident, plan, plan.pages[0]).body
    assert SECRET not in repr(routing)


def test_a_page_sent_later_carries_a_link_issued_then(
    load_yaml: Callable[..., LoadedConfig],
) -> None:
    """An escalation renders the declaration's plan later: its link counts from when it is sent."""
    document = minimal_document()
    document["ack"] = {"url": "https://muster.test/ack", "secret": "${ACK_SECRET}"}
    routing = load_yaml(document, {"ACK_SECRET": SECRET}).routing
    incident = Incident(id="inc-1", title="t", impact="major", urgency="high", services=("api",))
    plan = build_page_plan(routing, incident, WEDNESDAY_NOON)
    later = WEDNESDAY_NOON + timedelta(days=3)
    body = render_page("email", routing, incident, plan, plan.pages[0], later).body
    token = body.split("https://muster.test/ack/", 1)[1].split()[0]
    assert verify(SECRET, token) == AckToken("inc-1", plan.pages[0].person, later)
