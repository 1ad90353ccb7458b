"""Storm control, as a specification: which pages go now, which are held, what a digest says.

A window per person and contact kind opens with the first counted page and sends at most the
limit's ``max`` within ``per``; pages beyond it are held for one digest at the window's end, and
that digest opens the next window as its first page. A top-severity first page is never held.
The properties below hold for any arrival pattern, limit and scan lateness (hypothesis).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from muster.worker.core.config.limits import DEFAULT, Limit, Limits
from muster.worker.core.decisions.storm import (
    Folded,
    Window,
    admit,
    after_digest,
    bypasses,
    decide,
    digest_items,
)
from muster.worker.core.paging.keys import digest_reason
from muster.worker.core.paging.routing import Routing
from muster.worker.core.rendering.digest import render_digest
from tests.harness.configs import WEDNESDAY_NOON

T0 = WEDNESDAY_NOON
FIVE_PER_15M = Limit(max=5, per=timedelta(minutes=15))


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


class TestOneWindow:
    def test_the_first_five_go_and_the_sixth_is_held_until_the_window_closes(self) -> None:
        window = Window()
        sent = []
        for minute in range(7):
            window, verdict = admit(window, FIVE_PER_15M, at(minute))
            sent.append(verdict.send)
        assert sent == [True] * 5 + [False, False]
        assert window == Window(at(0), at(15), sent=5, held=2)
        assert window.digest_due == at(15)

    def test_a_window_that_closed_holding_nothing_simply_opens_again(self) -> None:
        window, _ = decide(Window(), FIVE_PER_15M, [False] * 5, at(0))
        window, verdict = admit(window, FIVE_PER_15M, at(15))
        assert verdict.send
        assert window == Window(at(15), at(30), sent=1)

    def test_pages_after_the_close_wait_for_the_digest_that_is_due(self) -> None:
        """Between the close and the scan that sends the digest, pages join that digest."""
        window, _ = decide(Window(), FIVE_PER_15M, [False] * 6, at(0))
        window, verdict = admit(window, FIVE_PER_15M, at(15.05))
        assert not verdict.send
        assert window.held == 2

    def test_the_digest_is_the_first_page_of_the_next_window(self) -> None:
        assert after_digest(FIVE_PER_15M, at(15)) == Window(at(15), at(30), sent=1)

    def test_no_limit_sends_everything_and_keeps_no_window(self) -> None:
        window, verdicts = decide(Window(), None, [False] * 100, at(0))
        assert all(v.send for v in verdicts)
        assert window == Window()

    def test_a_top_severity_first_page_is_never_held_and_not_counted(self) -> None:
        full, _ = decide(Window(), FIVE_PER_15M, [False] * 6, at(0))
        window, verdicts = decide(full, FIVE_PER_15M, [True, False], at(1))
        assert [v.send for v in verdicts] == [True, False]
        assert verdicts[0].bypassed
        assert window.sent == 5

    def test_only_the_first_page_of_the_highest_severity_bypasses(self) -> None:
        assert bypasses(0, first_page=True)
        assert not bypasses(0, first_page=False)
        assert not bypasses(1, first_page=True)


class TestLimitsConfig:
    def test_the_defaults_are_goalerts_for_sms_and_voice_and_generous_for_the_rest(self) -> None:
        limits = Limits()
        assert limits.for_page("bob", "sms") == FIVE_PER_15M
        assert limits.for_page("bob", "voice") == FIVE_PER_15M
        assert limits.for_page("bob", "email") == DEFAULT
        assert limits.for_page("bob", "chat") == Limit(max=20, per=timedelta(minutes=15))

    def test_a_person_beats_a_kind_which_beats_the_built_in_and_null_lifts_it(self) -> None:
        limits = Limits.model_validate(
            {
                "default": None,
                "kinds": {"sms": {"max": 3, "per": "10m"}},
                "people": {"bob": {"sms": {"max": 10, "per": "15m"}, "email": None}},
            }
        )
        assert str(limits.for_page("bob", "sms")) == "10/15m"
        assert str(limits.for_page("ann", "sms")) == "3/10m"
        assert limits.for_page("bob", "email") is None
        assert limits.for_page("ann", "chat") is None
        assert str(limits.for_page("ann", "voice")) == "5/15m"


class TestDigestWords:
    def items(self, count: int) -> list[Folded]:
        return [
            Folded(f"inc-{n}", "SEV2", 1, f"Checkout slow in region {n}", "investigating", at(n))
            for n in range(count)
        ]

    def test_an_sms_digest_fits_one_segment_and_counts_what_it_leaves_out(
        self, example: Routing
    ) -> None:
        body = render_digest("sms", example, self.items(9), None).body
        assert len(body) <= 160
        assert body.startswith("muster: 9 more incidents while paging was limited: SEV2 inc-0")
        assert body.endswith("more")

    def test_an_email_digest_lists_every_incident_and_the_ack_link(self, example: Routing) -> None:
        message = render_digest("email", example, self.items(3), "https://ack.test/T")
        assert message.title == "[SEV2] 3 more incidents while paging was limited"
        assert all(f"inc-{n}" in message.body for n in range(3))
        assert "Acknowledge all 3: https://ack.test/T" in message.body

    def test_chat_digests_defuse_what_producers_wrote(self, example: Routing) -> None:
        item = Folded("inc-1", "SEV2", 1, "@here *boom* <!channel>", "resolved", at(0))
        body = render_digest("chat", example, [item], None).body
        assert "@here" not in body
        assert "<!channel>" not in body
        assert "(resolved)" in body

    def test_a_digest_reason_names_its_kind_and_window(self) -> None:
        assert digest_reason("sms", at(0)) == "digest:sms:2026-11-25T12:00:00+00:00"


# Properties: a simulated storm, with scans (that send digests) running late by a random delay.


@dataclass
class Storm:
    """What one person+kind went through: every send (page or digest) and every digest's
    incidents, played through the core as the worker plays it."""

    limit: Limit
    window: Window = field(default_factory=Window)
    sends: list[tuple[datetime, str]] = field(default_factory=list)  # (at, page|digest|bypass)
    windows: list[Window] = field(default_factory=list)
    waiting: list[Folded] = field(default_factory=list)
    digests: list[list[Folded]] = field(default_factory=list)

    def scan(self, now: datetime) -> None:
        due = self.window.digest_due
        if due is not None and due <= now:
            self.digests.append(digest_items(self.waiting))
            self.waiting = []
            self.window = after_digest(self.limit, now)
            self.windows.append(self.window)
            self.sends.append((now, "digest"))

    def page(self, now: datetime, incident: str, bypass: bool) -> None:
        before = self.window
        self.window, [verdict] = decide(self.window, self.limit, [bypass], now)
        if self.window.opened_at != before.opened_at:
            self.windows.append(self.window)
        if verdict.send:
            self.sends.append((now, "bypass" if verdict.bypassed else "page"))
        else:
            self.waiting.append(Folded(incident, "SEV2", 1, "t", "investigating", now))


arrivals = st.lists(
    st.tuples(
        st.floats(min_value=0, max_value=20),  # minutes since the previous page
        st.integers(min_value=0, max_value=30),  # incident number (repeats: escalations)
        st.booleans(),  # a top-severity first page
        st.floats(min_value=0, max_value=2),  # how late the next scan runs, in minutes
    ),
    max_size=80,
)
limits = st.builds(
    Limit, max=st.integers(min_value=1, max_value=8), per=st.sampled_from(["1m", "5m", "15m", "1h"])
)


def play(limit: Limit, pattern: list[tuple[float, int, bool, float]]) -> Storm:
    storm = Storm(limit)
    now = latest = T0
    for gap, incident, bypass, lateness in pattern:
        # Time only moves on: the next page comes after the late scan before it, never before.
        now = max(now + timedelta(minutes=gap), latest)
        storm.scan(now)
        storm.page(now, f"inc-{incident}", bypass)
        latest = now + timedelta(minutes=lateness)
        storm.scan(latest)
    storm.scan(now + timedelta(days=2))  # the storm is over: every due digest goes
    return storm


@settings(max_examples=300, deadline=None)
@given(limits, arrivals)
def test_no_window_sends_more_than_the_limit_but_top_severity_first_pages(
    limit: Limit, pattern: list[tuple[float, int, bool, float]]
) -> None:
    storm = play(limit, pattern)
    for window in storm.windows:
        assert window.opened_at is not None
        assert window.closes_at is not None
        inside = [
            what
            for when, what in storm.sends
            if window.opened_at <= when < window.closes_at and what != "bypass"
        ]
        assert len(inside) <= limit.max


@settings(max_examples=300, deadline=None)
@given(limits, arrivals)
def test_every_held_page_is_in_exactly_one_digest_each_incident_once(
    limit: Limit, pattern: list[tuple[float, int, bool, float]]
) -> None:
    storm = play(limit, pattern)
    held = len(pattern) - sum(1 for _, what in storm.sends if what != "digest")
    assert storm.waiting == []
    for digest in storm.digests:
        assert digest, "a digest is sent only when something was held"
        assert len({item.incident_id for item in digest}) == len(digest)
    assert sum(len(d) for d in storm.digests) <= held
    assert (held == 0) == (storm.digests == [])


@settings(max_examples=300, deadline=None)
@given(limits, arrivals)
def test_top_severity_first_pages_always_go_at_once(
    limit: Limit, pattern: list[tuple[float, int, bool, float]]
) -> None:
    storm = play(limit, pattern)
    assert Counter(what for _, what in storm.sends)["bypass"] == sum(1 for p in pattern if p[2])
