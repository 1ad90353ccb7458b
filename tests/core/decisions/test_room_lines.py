"""How many lines a room hears about a hold's incidents: the first few one by one, the next
saying the rest come together, then none; at the end, many releases in one line."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from muster.worker.core.decisions.room_lines import (
    LAST,
    LINE,
    NONE,
    ROOM_LINES_AT_MOST,
    folded_rooms,
    held_line,
)


def test_a_room_hears_the_first_few_held_declarations_one_by_one() -> None:
    assert [held_line(told) for told in range(ROOM_LINES_AT_MOST)] == [LINE] * ROOM_LINES_AT_MOST


def test_the_next_line_is_the_last_and_then_the_room_hears_nothing_until_the_end() -> None:
    assert held_line(ROOM_LINES_AT_MOST) == LAST
    assert {held_line(told) for told in range(ROOM_LINES_AT_MOST + 1, 600)} == {NONE}


LINES = st.lists(
    st.tuples(
        st.sampled_from([f"inc-{n}" for n in range(8)]),
        st.sampled_from(["#incidents", "#search"]),
        st.sampled_from(["released:window:a", "released:window:b"]),
    ),
    max_size=30,
)


@given(LINES)
def test_a_room_and_hold_fold_exactly_when_told_of_more_than_a_few_incidents(
    lines: list[tuple[str, str, str]],
) -> None:
    folds = folded_rooms(lines)
    for room, hold in {(room, hold) for _, room, hold in lines}:
        incidents = {incident for incident, r, h in lines if (r, h) == (room, hold)}
        assert ((room, hold) in folds) == (len(incidents) > ROOM_LINES_AT_MOST)
    assert folds <= {(room, hold) for _, room, hold in lines}
