"""The words of a test page (``rendering.contact_check``): marked a test with no incident from
its first words, in every kind's style; the sender's name, typed by whoever ran the command,
inert for every reader."""

from __future__ import annotations

import pytest

from muster.config.loader import load_config
from muster.worker.core.rendering.contact_check import render_test_page
from tests.harness.configs import DEMO, WEDNESDAY_NOON
from tests.harness.inert import assert_inert

CONFIG = load_config(DEMO).routing.config
HOSTILE = "@channel <!here> [x](https://evil.test)\u202e\n# www.evil.test"


@pytest.mark.parametrize("kind", ["email", "chat", "sms"])
def test_a_test_page_says_it_is_a_test_with_no_incident_before_anything_else(kind: str) -> None:
    message = render_test_page(kind, CONFIG, "alice", WEDNESDAY_NOON, "erin")

    first = (message.title or message.body).lstrip("*")
    assert first.startswith(("TEST \u2014 no incident", "TEST - no incident"))
    assert "nothing to do" in message.body.lower()
    assert "erin" in message.body


def test_an_sms_test_page_is_ascii_and_one_line() -> None:
    body = render_test_page("sms", CONFIG, "alice", WEDNESDAY_NOON, "erin").body

    assert body.isascii()
    assert "\n" not in body


@pytest.mark.parametrize("kind", ["email", "chat", "sms"])
def test_a_hostile_sender_name_reaches_the_reader_inert(kind: str) -> None:
    message = render_test_page(kind, CONFIG, "alice", WEDNESDAY_NOON, HOSTILE)

    assert_inert(message, frozenset(), f"test page by {kind}")
