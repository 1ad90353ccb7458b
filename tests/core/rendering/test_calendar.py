"""The calendar's events are exactly the rotation engine's final shifts, read back by icalendar
and by vobject (an independent parser), for random rotations across DST in several zones."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any

import icalendar
import vobject
from hypothesis import given
from hypothesis import strategies as st

from muster.config.loader import LoadedConfig
from muster.worker.core.paging.duties import final_shifts
from muster.worker.core.rendering.calendar import calendar_events, horizon, ics
from tests.harness.rotation_shapes import PROPERTY, TICK, Shape, shapes

STAMPED = datetime(2026, 12, 1, tzinfo=UTC)


def read_back(content: bytes) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """(uid, start, end, transp) of each event, as icalendar and as vobject read them."""
    by_icalendar = [
        (
            str(event["uid"]),
            event.decoded("dtstart"),
            event.decoded("dtend"),
            str(event["transp"]),
        )
        for event in icalendar.Calendar.from_ical(content).walk("VEVENT")
    ]
    parsed = vobject.readOne(content.decode())
    by_vobject = [
        (
            event.uid.value,
            event.dtstart.value,
            event.dtend.value,
            event.transp.value,
        )
        for event in parsed.vevent_list
    ]
    return by_icalendar, by_vobject


@PROPERTY
@given(shape=shapes(), offset=st.integers(-10 * 24 * 3600, 200 * 24 * 3600))
def test_each_event_is_a_final_shift_of_the_engine_as_both_parsers_read_it(
    load_yaml: Callable[..., LoadedConfig], shape: Shape, offset: int
) -> None:
    routing = load_yaml(shape.document()).routing
    rotation = routing.rotations["duty"]
    start = shape.base.replace(tzinfo=UTC) + timedelta(seconds=offset)
    end = horizon(start, 1)
    duties = final_shifts(routing, start, end, rotations=frozenset({"duty"}))
    events = calendar_events(routing, duties, start, end)
    by_icalendar, by_vobject = read_back(ics(events, "duty", STAMPED))
    assert by_icalendar == by_vobject
    assert len({uid for uid, *_ in by_icalendar}) == len(by_icalendar)
    for (_, begins, ends, transp), shift in zip(by_icalendar, duties[0].shifts, strict=True):
        assert transp == "TRANSPARENT"
        assert begins.utcoffset() == timedelta(0)
        assert begins == (shift.starts or start)
        assert ends == (shift.until or end)
        for at in (begins, begins + (ends - begins) / 2, ends - TICK):
            assert rotation.on_call(at) == shift.person
    covered = sorted((b, e) for _, b, e, _ in by_icalendar)
    assert covered[0][0] <= start
    assert covered[-1][1] >= end
    assert all(a[1] == b[0] for a, b in pairwise(covered))
