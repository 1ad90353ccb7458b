"""The words of a shift notice (``rendering.shift_notice``): what the reader now holds or no
longer holds, when in the config's timezone, instead of whom, why and by whom, in each kind's
style; and the reason and author, typed by whoever ran the command, inert for every reader."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from muster.config.loader import load_config
from muster.worker.core.paging.shift_changes import PersonChange, Stretch
from muster.worker.core.rendering.render import SMS_SEGMENT
from muster.worker.core.rendering.shift_notice import ChangeFacts, render_shift_notice
from tests.harness.configs import DEMO
from tests.harness.inert import assert_inert

CONFIG = load_config(DEMO).routing.config  # Europe/Dublin: GMT in winter, IST in summer
SUMMER = datetime(2026, 7, 1, 8, 0, tzinfo=UTC)  # 09:00 in Dublin
COVER = Stretch(
    "incident-commanders", ("incident_commander",), (), SUMMER, SUMMER + timedelta(hours=6), "bob"
)
GAINED = PersonChange("alice", (COVER,), ())
FACTS = ChangeFacts("override ov-1a2b added", "erin", "bob's flight is delayed")
HOSTILE = (
    "@here <!channel> [click](https://evil.test) ![x](https://evil.test/i.png)"
    " <script>alert(1)</script>\u202e\r\n# heading www.evil.test"
)


@pytest.mark.parametrize("kind", ["email", "chat"])
def test_a_notice_says_what_you_now_hold_when_instead_of_whom_why_and_by_whom(kind: str) -> None:
    message = render_shift_notice(kind, CONFIG, GAINED, FACTS)

    assert "incident-commanders" in message.title
    assert "You now hold:" in message.body
    assert "Incident commander" in message.body
    assert "Wed 2026-07-01 09:00 until Wed 2026-07-01 15:00 Europe/Dublin" in message.body
    assert "instead of Bob Okafor (bob)" in message.body
    assert "flight is delayed" in message.body
    assert "by erin" in message.body


def test_the_person_relieved_reads_who_holds_it_now() -> None:
    back = Stretch(COVER.rotation, COVER.roles, COVER.services, COVER.starts, COVER.until, "alice")
    relieved = PersonChange("bob", (), (back,))

    body = render_shift_notice("email", CONFIG, relieved, FACTS).body

    assert "You no longer hold:" in body
    assert "now held by Alice Byrne (alice)" in body
    assert "You now hold:" not in body


def test_an_sms_notice_is_one_ascii_segment() -> None:
    body = render_shift_notice("sms", CONFIG, GAINED, FACTS).body

    assert body.isascii()
    assert "\n" not in body
    assert len(body) <= SMS_SEGMENT
    assert "incident-commanders Wed 2026-07-01 09:00-Wed 2026-07-01 15:00" in body


@pytest.mark.parametrize("kind", ["email", "chat", "sms"])
def test_a_hostile_reason_and_author_reach_the_reader_inert(kind: str) -> None:
    facts = ChangeFacts("override ov-1a2b added", HOSTILE, HOSTILE)

    message = render_shift_notice(kind, CONFIG, GAINED, facts)

    assert_inert(message, frozenset(), f"shift notice by {kind}")
    assert "(at)here" in message.body
