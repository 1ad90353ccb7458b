"""Reply codes: derived, four digits, read from what a person would text back."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from muster.worker.core.reply_codes import matching, read_reply, reply_code, same_number


@given(st.text(min_size=1, max_size=64))
def test_a_code_is_four_digits_and_the_same_every_time(incident_id: str) -> None:
    code = reply_code(incident_id)
    assert len(code) == 4
    assert code.isdigit()
    assert reply_code(incident_id) == code


@pytest.mark.parametrize(
    ("body", "code"),
    [("4821", "4821"), ("ack 4821", "4821"), ("4821 on it", "4821"), ("4821 4821", "4821")],
)
def test_a_reply_s_code_is_read(body: str, code: str) -> None:
    assert read_reply(body) == code


@pytest.mark.parametrize("body", ["", "ok", "48211", "482", "4821 1234"])
def test_no_code_or_two_codes_read_as_none(body: str) -> None:
    assert read_reply(body) is None


def test_matching_picks_the_incidents_of_a_code() -> None:
    ids = ["inc-1", "inc-2", "inc-3"]
    assert matching(reply_code("inc-2"), ids) == [
        i for i in ids if reply_code(i) == reply_code("inc-2")
    ]


def test_numbers_compare_without_their_punctuation() -> None:
    assert same_number("+353 85 000-0001", "+353850000001")
    assert not same_number("", "")
    assert not same_number("+353850000001", "+353850000002")
