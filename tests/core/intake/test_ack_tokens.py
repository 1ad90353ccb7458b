"""Ack tokens: what a signed token names comes back out, whatever it names, and a link acts only
for a current person, before it expires, for an open incident the database could read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from muster.worker.core.intake.ack_tokens import (
    AckToken,
    Refusal,
    incident_refusal,
    refusal,
    sign,
    verify,
)

SECRET = "a-long-enough-signing-secret"
ISSUED = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
DAY = timedelta(hours=24)
names = st.text(st.characters(codec="utf-8", exclude_characters="\x1f"), min_size=1, max_size=80)
instants = st.datetimes(
    min_value=datetime(1971, 1, 1), max_value=datetime(9000, 1, 1), timezones=st.just(UTC)
).map(lambda instant: instant.replace(microsecond=0))


@given(subject=names, person=names, issued=instants)
def test_what_was_signed_comes_back_out(subject: str, person: str, issued: datetime) -> None:
    assert verify(SECRET, sign(SECRET, subject, person, issued)) == AckToken(
        subject, person, issued
    )


@given(text=st.text(max_size=300))
def test_any_text_is_a_token_or_nothing(text: str) -> None:
    """A parser of what anyone can type into a URL: never an exception."""
    assert verify(SECRET, text) is None


class TestRefusal:
    token = AckToken("inc-1", "ann", ISSUED)

    def test_a_fresh_link_of_a_current_person_acts(self) -> None:
        assert refusal(self.token, {"ann"}, DAY, ISSUED + DAY - timedelta(seconds=1)) is None

    def test_a_link_as_old_as_its_lifetime_has_expired(self) -> None:
        assert refusal(self.token, {"ann"}, DAY, ISSUED + DAY) is Refusal.EXPIRED

    def test_a_link_for_someone_not_in_the_config_acts_for_no_one(self) -> None:
        assert refusal(self.token, {"ben"}, DAY, ISSUED) is Refusal.NOT_A_PERSON

    def test_a_version_1_link_never_expires_by_age(self) -> None:
        old = AckToken("inc-1", "ann", None)
        assert refusal(old, {"ann"}, DAY, ISSUED + 1000 * DAY) is None

    @pytest.mark.parametrize(
        ("state", "readable", "why"),
        [
            ("investigating", True, None),
            ("resolved", True, Refusal.RESOLVED),
            (None, True, Refusal.NO_INCIDENT),
            (None, False, Refusal.UNREADABLE),
        ],
    )
    def test_its_incident_decides_the_rest(
        self, state: str | None, readable: bool, why: Refusal | None
    ) -> None:
        assert incident_refusal(state, readable) is why
