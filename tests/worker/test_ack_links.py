"""Acknowledge links: signed per incident and person, carried by email and chat pages (the web
process serves them: tests/worker/web/test_acks.py)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from muster.config.loader import LoadedConfig
from muster.worker.core.ack_tokens import sign, verify
from muster.worker.core.incident import Incident
from muster.worker.core.plan import build_page_plan
from muster.worker.core.render import render_chat, render_email
from tests.configs import WEDNESDAY_NOON, minimal_document

SECRET = "a-long-enough-signing-secret"


class TestTokens:
    def test_a_token_names_its_incident_and_person(self) -> None:
        """What was signed comes back out."""
        assert verify(SECRET, sign(SECRET, "inc-1", "bob")) == ("inc-1", "bob")

    @pytest.mark.parametrize(
        "tamper",
        [
            lambda t: sign("another-secret-entirely", "inc-1", "bob"),
            lambda t: sign(SECRET, "inc-1", "alice").split(".")[0] + "." + t.split(".")[1],
            lambda t: t[:-2],
            lambda t: "garbage",
        ],
    )
    def test_an_altered_token_is_refused(self, tamper: Callable[[str], str]) -> None:
        """Another secret, another person, a cut signature: nothing verifies."""
        assert verify(SECRET, tamper(sign(SECRET, "inc-1", "bob"))) is None


def test_pages_carry_the_link_when_the_config_sets_ack(
    load_yaml: Callable[..., LoadedConfig],
) -> None:
    """Email and chat pages link to the ack endpoint with the person's own token."""
    document = minimal_document()
    document["ack"] = {"url": "https://muster.test/ack", "secret": "${ACK_SECRET}"}
    routing = load_yaml(document, {"ACK_SECRET": SECRET}).routing
    incident = Incident(id="inc-1", title="t", impact="major", urgency="high", services=("api",))
    plan = build_page_plan(routing, incident, WEDNESDAY_NOON)
    link = f"https://muster.test/ack/{sign(SECRET, 'inc-1', plan.pages[0].person)}"
    assert f"Acknowledge: {link}" in render_email(routing, incident, plan, plan.pages[0]).body
    assert f"[Acknowledge]({link})" in render_chat(routing, incident, plan, plan.pages[0]).body
    assert SECRET not in repr(routing)
