"""Who gains shifts and who is relieved when an override is added or removed
(``paging.shift_changes``, ``paging.override_change``): the scenarios on the demo team (bob
commands the week of WEDNESDAY_NOON, carol the next, from Monday 09:00 Dublin), and, over random
overrides, exactly the engine's holders before and after at every edge of every stretch."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from muster.config.loader import load_config
from muster.worker.core.paging.override_change import OverrideChange, configs_around
from muster.worker.core.paging.routing import Routing
from muster.worker.core.paging.shift_changes import PersonChange, Stretch, shift_changes
from tests.harness.configs import DEMO, WEDNESDAY_NOON
from tests.harness.rotation_shapes import PROPERTY, TICK

COMMANDERS = "incident-commanders"
NEXT_HANDOFF = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # Monday 09:00 Dublin (GMT): bob → carol
ROUTING = load_config(DEMO).routing


def cover(person: str, starts: datetime, until: datetime, added: bool = True) -> OverrideChange:
    return OverrideChange("ov-1", added, COMMANDERS, person, starts, until, "cover", "erin")


def changes_of(change: OverrideChange, routing: Routing = ROUTING) -> tuple[PersonChange, ...]:
    before, after = configs_around(routing.config, change)
    return shift_changes(
        Routing.from_config(before), Routing.from_config(after), change.starts, change.until
    )


def stretch(starts: datetime, until: datetime, other: str | None) -> Stretch:
    return Stretch(COMMANDERS, ("incident_commander",), (), starts, until, other)


def test_an_added_override_gains_its_person_the_span_and_relieves_the_holder() -> None:
    until = WEDNESDAY_NOON + timedelta(hours=6)

    changes = changes_of(cover("alice", WEDNESDAY_NOON, until))

    assert changes == (
        PersonChange("alice", (stretch(WEDNESDAY_NOON, until, "bob"),), ()),
        PersonChange("bob", (), (stretch(WEDNESDAY_NOON, until, "alice"),)),
    )


def test_an_override_across_a_handoff_relieves_each_holder_of_their_own_part() -> None:
    starts, until = NEXT_HANDOFF - timedelta(hours=3), NEXT_HANDOFF + timedelta(hours=3)

    (alice, bob, carol) = changes_of(cover("alice", starts, until))

    assert alice.gained == (
        stretch(starts, NEXT_HANDOFF, "bob"),
        stretch(NEXT_HANDOFF, until, "carol"),
    )
    assert bob.relieved == (stretch(starts, NEXT_HANDOFF, "alice"),)
    assert carol.relieved == (stretch(NEXT_HANDOFF, until, "alice"),)


def test_an_override_for_the_holder_herself_changes_nobody_where_she_holds_it() -> None:
    starts, until = NEXT_HANDOFF - timedelta(hours=3), NEXT_HANDOFF + timedelta(hours=3)

    (bob, carol) = changes_of(cover("carol", starts, until))

    assert carol == PersonChange("carol", (stretch(starts, NEXT_HANDOFF, "bob"),), ())
    assert bob == PersonChange("bob", (), (stretch(starts, NEXT_HANDOFF, "carol"),))


def test_a_removed_override_gives_the_shift_back_whether_the_config_holds_it_yet_or_not() -> None:
    until = WEDNESDAY_NOON + timedelta(hours=6)
    removal = cover("alice", WEDNESDAY_NOON, until, added=False)
    overrides = [*ROUTING.config.overrides, removal.swap()]
    still_holding = Routing.from_config(ROUTING.config.model_copy(update={"overrides": overrides}))

    expected = (  # people in the order the config lists them
        PersonChange("alice", (), (stretch(WEDNESDAY_NOON, until, "bob"),)),
        PersonChange("bob", (stretch(WEDNESDAY_NOON, until, "alice"),), ()),
    )
    assert changes_of(removal, ROUTING) == expected
    assert changes_of(removal, still_holding) == expected


def test_a_later_override_that_wins_the_span_leaves_nobody_changed() -> None:
    until = WEDNESDAY_NOON + timedelta(hours=6)
    later = ROUTING.config.model_copy(
        update={"overrides": [cover("carol", WEDNESDAY_NOON, until).swap()]}
    )
    removal = cover("alice", WEDNESDAY_NOON, until, added=False)
    routing = Routing.from_config(
        later.model_copy(update={"overrides": [removal.swap(), *later.overrides]})
    )

    assert changes_of(removal, routing) == ()


@PROPERTY
@given(
    person=st.sampled_from(["alice", "bob", "carol", "laura"]),
    offset=st.integers(min_value=0, max_value=24 * 21),
    hours=st.integers(min_value=1, max_value=24 * 10),
    added=st.booleans(),
)
def test_every_stretch_is_the_engines_holders_before_and_after_at_its_edges(
    person: str, offset: int, hours: int, added: bool
) -> None:
    starts = WEDNESDAY_NOON + timedelta(hours=offset)
    change = cover(person, starts, starts + timedelta(hours=hours), added)
    before, after = (Routing.from_config(c) for c in configs_around(ROUTING.config, change))

    changes = changes_of(change)

    for told in changes:
        for gained in told.gained:
            for at in (gained.starts, gained.until - TICK):
                assert after.on_call(COMMANDERS, at) == told.person
                assert before.on_call(COMMANDERS, at) == gained.other
        for relieved in told.relieved:
            for at in (relieved.starts, relieved.until - TICK):
                assert before.on_call(COMMANDERS, at) == told.person
                assert after.on_call(COMMANDERS, at) == relieved.other
    hour = change.starts
    while hour < change.until:
        differs = before.on_call(COMMANDERS, hour) != after.on_call(COMMANDERS, hour)
        covered = any(
            s.starts <= hour < s.until for told in changes for s in told.gained + told.relieved
        )
        assert differs == covered, hour
        hour += timedelta(hours=1)
