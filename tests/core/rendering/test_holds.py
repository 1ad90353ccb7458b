"""The words of holds: the timeline's "held by window X: reason", the rooms' one line (inert
whatever a producer titled the incident), and a digest of a window's releases saying so."""

from __future__ import annotations

from dataclasses import replace

from muster.worker.core.decisions.release import NOTHING, PAGED, RESOLVED, RESUMED
from muster.worker.core.decisions.storm import Folded
from muster.worker.core.paging.routing import Routing
from muster.worker.core.rendering.digest import released, render_digest
from muster.worker.core.rendering.holds import (
    RELEASES_LISTED,
    held_text,
    paused_text,
    released_text,
    render_held,
    render_released,
    render_released_together,
)
from tests.harness.configs import WEDNESDAY_NOON
from tests.harness.core_incidents import SEV1
from tests.harness.inert import assert_inert

ITEMS = [
    Folded(f"inc-{n}", "SEV2", 1, f"Checkout slow {n}", "investigating", WEDNESDAY_NOON)
    for n in range(2)
]
FROM_FAILOVER = released(("window payments-failover",))


def test_the_timeline_names_the_window_and_its_reason() -> None:
    assert held_text("window", "failover", "CHG-1") == "held by window failover: CHG-1"
    assert held_text("window", "failover", "") == "held by window failover"
    assert paused_text("window", "failover", "CHG-1") == (
        "escalations paused by window failover: CHG-1"
    )


def test_each_release_says_what_it_did() -> None:
    said = {outcome: released_text(outcome, "window", "failover") for outcome in
            (PAGED, NOTHING, RESUMED, RESOLVED)}  # fmt: skip
    assert "paged as a fresh declaration" in said[PAGED]
    assert "nobody paged (on_end: nothing)" in said[NOTHING]
    assert "resume with the time they had left" in said[RESUMED]
    assert said[RESOLVED] == "resolved while held by window failover: nobody paged"


def test_the_rooms_line_is_one_line_and_inert() -> None:
    message = render_held(SEV1, "SEV1", "window", "failover", "PostgreSQL @channel failover")
    assert "\n" not in message.body
    assert "held by window failover" in message.body
    assert_inert(message, frozenset(), "held")
    assert_inert(render_released(SEV1, "SEV1", "window", "failover"), frozenset(), "released")


def test_a_digest_of_a_windows_releases_names_the_window_not_the_limits(
    example: Routing,
) -> None:
    for kind in ("sms", "email", "chat"):
        message = render_digest(kind, example, ITEMS, None, FROM_FAILOVER)
        said = message.title + message.body
        assert "held by window payments-failover until its end" in said, kind
        assert "paging was limited" not in said, kind
        assert "more incidents" not in said, kind


def test_an_sms_digest_of_releases_fits_one_segment(example: Routing) -> None:
    many = [
        Folded(f"inc-{n}", "SEV2", 1, "Checkout slow", "investigating", WEDNESDAY_NOON)
        for n in range(9)
    ]
    body = render_digest("sms", example, many, None, FROM_FAILOVER).body
    assert len(body) <= 160
    assert body.startswith("muster: 9 incidents held by window payments-failover until its end")


def test_many_releases_are_one_line_counting_them_and_listing_the_first() -> None:
    released = [
        (replace(SEV1, id=f"inc-{n:03d}", title=f"Search shard {n} slow"), "SEV2")
        for n in range(25)
    ]
    message = render_released_together(released, "window", "search-reindex")
    assert message.title == "25 held incidents paging: window search-reindex ended"
    assert message.body.startswith(
        "**25 held incidents** still open as window search-reindex ends: paging now\n"
    )
    listed = [line for line in message.body.splitlines() if "Search shard" in line]
    assert len(listed) == RELEASES_LISTED
    assert message.body.endswith(f"- and {25 - RELEASES_LISTED} more (muster incidents lists them)")


def test_the_line_of_many_releases_is_inert() -> None:
    hostile = replace(SEV1, title="@channel <script>alert(1)</script> [x](http://evil)")
    message = render_released_together([(hostile, "SEV1")] * 4, "window", "failover @here")
    assert_inert(message, frozenset(), "released together")
