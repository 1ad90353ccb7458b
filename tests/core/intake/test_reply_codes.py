"""Reply codes: derived, four digits, read from what a person would text back."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from muster.worker.core.intake.phone_numbers import same_number
from muster.worker.core.intake.reply_codes import matching, read_reply, reply_code


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


@pytest.mark.parametrize(
    ("configured", "sender"),
    [
        ("+44 20 7946 0000", "0044 20 7946 0000"),
        ("+442079460000", "+44 (0)20 7946 0000"),
        ("+44 20 7946 0000", "020 7946 0000"),  # national, the configured number's country
        ("0044 20 7946 0000", "+442079460000"),
        ("+353 85 000 0001", "00353850000001"),
        ("+353 85 000 0001", "085 000 0001"),
    ],
)
def test_numbers_compare_in_e164(configured: str, sender: str) -> None:
    assert same_number(configured, sender)


@pytest.mark.parametrize(
    ("configured", "sender"),
    [
        ("+44 20 7946 0000", "+353 20 7946 0000"),  # the same digits in another country
        ("+44 20 7946 0000", "0033 20 7946 0000"),
        ("+353 85 000 0001", "not a number"),
    ],
)
def test_other_countries_numbers_differ(configured: str, sender: str) -> None:
    assert not same_number(configured, sender)


@given(st.from_regex(r"\+?[0-9 ()-]{0,20}", fullmatch=True), st.text(max_size=20))
def test_any_text_compares_without_error(configured: str, sender: str) -> None:
    assert isinstance(same_number(configured, sender), bool)
