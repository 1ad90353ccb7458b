"""Pruning overrides into the history changes nothing anyone sees about the past: the final
shifts computed from the file as it was equal those from the file pruned plus the history
(:mod:`muster.worker.core.paging.override_history`), on the rotation engine."""

from __future__ import annotations

from datetime import datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from muster.worker.core.config.model import Override
from muster.worker.core.paging.duties import final_shifts
from muster.worker.core.paging.override_history import Cover, prunable, with_history
from muster.worker.core.paging.routing import Routing
from tests.harness.config_edits import MONDAY, PEOPLE, document_with, routing_of
from tests.harness.rotation_shapes import PROPERTY

BASE = routing_of(document_with(members=["ann", "ben", "cat"], every="1d", handoff="09:00"))
ROTATIONS = ("commanders", "api-oncall", "managers")
HOURS = 24 * 21


def override(rotation: str, person: str, starts: int, length: int) -> Override:
    """``person`` holds ``rotation`` from ``starts`` hours after MONDAY for ``length`` hours."""
    begins = MONDAY + timedelta(hours=starts)
    return Override.model_validate(
        {
            "rotation": rotation,
            "person": person,
            "from": begins,
            "until": begins + timedelta(hours=length),
        }
    )


overrides = st.lists(
    st.builds(
        override,
        st.sampled_from(ROTATIONS),
        st.sampled_from(PEOPLE),
        st.integers(0, HOURS),
        st.integers(1, 72),
    ),
    max_size=8,
)


def with_file(entries: list[Override]) -> Routing:
    """The base routing with ``entries`` as its overrides file's (after its own)."""
    config = BASE.config
    return Routing.from_config(
        config.model_copy(update={"overrides": [*config.overrides, *entries]})
    )


def pruned_at(entries: list[Override], cut: datetime) -> tuple[list[Override], list[Override]]:
    """(kept in the file, moved to the history) by a prune at ``cut``."""
    chosen = prunable([Cover(o.rotation, o.starts, o.until) for o in entries], cut)
    kept = [o for index, o in enumerate(entries) if index not in chosen]
    return kept, [entries[index] for index in chosen]


@PROPERTY
@given(overrides, st.integers(0, HOURS + 96), st.integers(0, HOURS), st.integers(1, 96))
def test_final_shifts_over_a_past_range_are_the_same_before_and_after_a_prune(
    entries: list[Override], cut_hour: int, from_hour: int, length: int
) -> None:
    cut = MONDAY + timedelta(hours=cut_hour)
    start = MONDAY + timedelta(hours=min(from_hour, cut_hour))
    end = min(start + timedelta(hours=length), cut) + timedelta(microseconds=1)
    kept, history = pruned_at(entries, cut)

    before = final_shifts(with_file(entries), start, end)
    after = final_shifts(with_history(with_file(kept), history), start, end)

    assert after == before


@PROPERTY
@given(overrides, st.integers(0, HOURS + 96), st.integers(0, 48))
def test_pruning_in_two_runs_keeps_the_past_as_one_run_does(
    entries: list[Override], cut_hour: int, later: int
) -> None:
    first = MONDAY + timedelta(hours=cut_hour)
    kept, history = pruned_at(entries, first)
    left, more = pruned_at(kept, first + timedelta(hours=later))
    start, end = MONDAY, MONDAY + timedelta(hours=HOURS + 96)

    before = final_shifts(with_file(entries), start, end)
    after = final_shifts(with_history(with_file(left), [*history, *more]), start, end)

    assert after == before


def test_an_ended_override_stays_in_the_file_while_one_overlapping_it_has_not_ended() -> None:
    cut = MONDAY + timedelta(hours=48)
    early = Cover("commanders", MONDAY, MONDAY + timedelta(hours=24))
    overlapping = Cover("commanders", MONDAY + timedelta(hours=12), cut + timedelta(hours=1))
    elsewhere = Cover("managers", MONDAY, MONDAY + timedelta(hours=24))

    assert prunable([early, overlapping, elsewhere], cut) == [2]
    assert prunable([early, overlapping, elsewhere], cut + timedelta(hours=1)) == [0, 1, 2]


def test_an_override_ending_at_the_cut_is_pruned_and_one_ending_after_it_is_not() -> None:
    cut = MONDAY + timedelta(hours=48)
    at_cut = Cover("commanders", MONDAY, cut)
    after = Cover("managers", MONDAY, cut + timedelta(seconds=1))

    assert prunable([at_cut, after], cut) == [0]


def test_history_naming_a_rotation_or_person_the_config_lost_is_left_out() -> None:
    gone = [override("retired", "ann", 0, 4), override("commanders", "zed", 0, 4)]

    assert with_history(BASE, gone) is BASE
