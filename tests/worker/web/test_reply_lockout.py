"""SMS reply codes are four digits: wrong ones are limited per number and overall, with a lockout
that even the right code does not lift; each refusal is logged and counted."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from muster.worker.clock import ManualClock
from muster.worker.core.intake.reply_guard import LOCKOUT, OVERALL_PER_MINUTE, WINDOW, WRONG_CODES
from muster.worker.web.metrics import LOCKOUTS, REFUSED
from tests.harness.logs import captured_logs
from tests.harness.sms_replies import ANN, BEN, RIGHT, WRONG, both_paged, reply, sms_document
from tests.harness.web_app import ISSUED, Web


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(ISSUED)


@pytest.fixture
def web(make_web: Callable[..., Web], clock: ManualClock) -> Web:
    return make_web(sms_document(), incidents=both_paged(), clock=clock)


def guess_wrong(web: Web, sender: str, times: int) -> None:
    for code in WRONG[:times]:
        assert reply(web, sender, code).status_code in (200, 429)  # type: ignore[attr-defined]


def test_six_wrong_codes_lock_the_number_even_for_the_right_code(web: Web) -> None:
    locked_before = REFUSED.labels("script", "locked_out")._value.get()
    lockouts_before = LOCKOUTS.labels("script")._value.get()
    with captured_logs() as logs:
        guess_wrong(web, ANN, WRONG_CODES + 1)
        answer = reply(web, ANN, RIGHT)
    assert answer.status_code == 429  # type: ignore[attr-defined]
    assert "locked" in answer.text  # type: ignore[attr-defined]
    assert web.publisher.sent == []
    assert LOCKOUTS.labels("script")._value.get() == lockouts_before + 1
    assert REFUSED.labels("script", "locked_out")._value.get() == locked_before + 2
    events = [entry["event"] for entry in logs]
    assert events.count("web.reply_lockout") == 1
    lockout = next(entry for entry in logs if entry["event"] == "web.reply_lockout")
    assert lockout["person"] == "ann"
    assert ANN not in str(lockout)


def test_the_lockout_is_the_number_s_alone(web: Web) -> None:
    guess_wrong(web, ANN, WRONG_CODES)
    answer = reply(web, BEN, RIGHT)
    assert answer.status_code == 200  # type: ignore[attr-defined]
    assert "Acknowledged inc-1" in answer.text  # type: ignore[attr-defined]


def test_the_lockout_ends_and_the_right_code_acts_again(web: Web, clock: ManualClock) -> None:
    guess_wrong(web, ANN, WRONG_CODES)
    clock.advance(LOCKOUT + timedelta(seconds=1))
    answer = reply(web, ANN, RIGHT)
    assert "Acknowledged inc-1" in answer.text  # type: ignore[attr-defined]


def test_wrong_codes_spread_beyond_the_window_lock_nothing(web: Web, clock: ManualClock) -> None:
    for code in WRONG[: WRONG_CODES * 2]:
        reply(web, ANN, code)
        clock.advance(WINDOW / (WRONG_CODES - 1))
    assert "Acknowledged inc-1" in reply(web, ANN, RIGHT).text  # type: ignore[attr-defined]


def test_the_overall_cap_holds_whatever_the_numbers(web: Web) -> None:
    """Strangers' numbers spraying replies: past the cap, even a person's right code waits."""
    limited_before = REFUSED.labels("script", "rate_limited")._value.get()
    for n in range(OVERALL_PER_MINUTE):
        reply(web, f"+1555{n:07d}", RIGHT)
    answer = reply(web, BEN, RIGHT)
    assert answer.status_code == 429  # type: ignore[attr-defined]
    assert web.publisher.sent == []
    assert REFUSED.labels("script", "rate_limited")._value.get() == limited_before + 1
