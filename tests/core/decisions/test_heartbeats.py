"""Heartbeat monitors' decisions, on instants given by the test: when a monitor is missed, what
the miss declares, what a returning heartbeat does, and what is left to settle."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from muster.worker.core.config.heartbeats import HeartbeatMonitor
from muster.worker.core.config.model import RoutingConfig
from muster.worker.core.decisions.heartbeats import (
    DISARMED,
    DOWN,
    UP,
    WAITING,
    Missed,
    MonitorState,
    armed,
    declaration,
    heard,
    incident_id,
    missed_of,
    pending,
    resolution_text,
    review,
    stale_processes,
)
from tests.harness.configs import WEDNESDAY_NOON, minimal_document

T0 = WEDNESDAY_NOON
MONITOR = HeartbeatMonitor(
    every=timedelta(minutes=5), grace=timedelta(minutes=1), impact="major", urgency="high"
)
MONITORS = {"backup": MONITOR}


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


class TestTheClock:
    def test_a_monitor_new_to_the_config_starts_its_clock_at_the_scan_that_finds_it(
        self,
    ) -> None:
        decided = review(MONITORS, {}, T0)
        assert decided.writes == (MonitorState("backup", WAITING, T0, T0 + minutes(6)),)
        assert decided.missed == ()

    def test_never_heard_from_it_is_missed_every_plus_grace_after_that(self) -> None:
        row = armed("backup", MONITOR, T0)
        assert (
            review(MONITORS, {"backup": row}, T0 + minutes(6) - timedelta(seconds=1)).missed == ()
        )
        [miss] = review(MONITORS, {"backup": row}, T0 + minutes(6)).missed
        assert miss == Missed(
            "backup", incident_id("backup", T0 + minutes(6)), T0 + minutes(6), None
        )

    def test_a_heartbeat_puts_the_miss_off_by_every_plus_grace_from_it(self) -> None:
        row = heard(
            armed("backup", MONITOR, T0), "backup", MONITOR, T0 + minutes(4), T0 + minutes(4)
        )
        assert row is not None
        assert (row.state, row.last_seen_at, row.due_at) == (UP, T0 + minutes(4), T0 + minutes(10))
        assert review(MONITORS, {"backup": row}, T0 + minutes(9)).missed == ()
        [miss] = review(MONITORS, {"backup": row}, T0 + minutes(10)).missed
        assert (miss.due_at, miss.last_seen_at) == (T0 + minutes(10), T0 + minutes(4))

    def test_the_miss_is_of_its_due_time_however_late_the_scan(self) -> None:
        """A scan an hour late (muster was down) declares the miss of the due time."""
        row = armed("backup", MONITOR, T0)
        [miss] = review(MONITORS, {"backup": row}, T0 + minutes(66)).missed
        assert miss.due_at == T0 + minutes(6)

    def test_a_missed_monitor_is_missed_once_until_it_beats_again(self) -> None:
        row = armed("backup", MONITOR, T0)
        decided = review(MONITORS, {"backup": row}, T0 + minutes(6))
        [down] = decided.writes
        assert (down.state, down.incident_id, down.missed_at) == (
            DOWN,
            decided.missed[0].incident_id,
            T0 + minutes(6),
        )
        for later in (6, 7, 60, 600):
            assert review(MONITORS, {"backup": down}, T0 + minutes(later)) == review(
                MONITORS, {"backup": down}, T0
            )
            assert review(MONITORS, {"backup": down}, T0 + minutes(later)).missed == ()

    def test_a_changed_every_or_grace_re_paces_the_next_miss(self) -> None:
        row = armed("backup", MONITOR, T0)
        slower = {"backup": MONITOR.model_copy(update={"grace": minutes(10)})}
        [paced] = review(slower, {"backup": row}, T0 + minutes(1)).writes
        assert paced.due_at == T0 + minutes(15)

    def test_a_shorter_allowance_already_past_is_a_miss_of_that_due_time(self) -> None:
        row = armed("backup", MONITOR, T0)
        faster = {"backup": MONITOR.model_copy(update={"every": minutes(1), "grace": minutes(1)})}
        [miss] = review(faster, {"backup": row}, T0 + minutes(3)).missed
        assert miss.due_at == T0 + minutes(2)


class TestTheConfigChanging:
    def test_a_monitor_removed_from_the_config_is_disarmed_and_forgets_its_incident(
        self,
    ) -> None:
        down = MonitorState("backup", DOWN, T0, T0 + minutes(6), None, "hb-1", T0 + minutes(6))
        [disarmed] = review({}, {"backup": down}, T0 + minutes(7)).writes
        assert (disarmed.state, disarmed.incident_id) == (DISARMED, None)
        assert review({}, {"backup": disarmed}, T0 + minutes(600)) == review({}, {}, T0)

    def test_a_monitor_put_back_starts_its_clock_again(self) -> None:
        disarmed = MonitorState("backup", DISARMED, T0, T0 + minutes(6))
        [rearmed] = review(MONITORS, {"backup": disarmed}, T0 + minutes(60)).writes
        assert rearmed == armed("backup", MONITOR, T0 + minutes(60))

    def test_a_monitor_whose_row_another_scanner_holds_is_left_alone(self) -> None:
        assert review(MONITORS, {}, T0, unrowed=frozenset()) == review({}, {}, T0)


class TestHeartbeats:
    def test_a_heartbeat_of_a_down_monitor_keeps_its_incident_to_be_resolved(self) -> None:
        down = MonitorState("backup", DOWN, T0, T0 + minutes(6), None, "hb-1", T0 + minutes(6))
        up = heard(down, "backup", MONITOR, T0 + minutes(8), T0 + minutes(8))
        assert up is not None
        assert (up.state, up.incident_id, up.due_at) == (UP, "hb-1", T0 + minutes(14))
        assert pending(up, incident_recorded=True) == "resolve"

    def test_an_older_heartbeat_than_the_last_counted_changes_nothing(self) -> None:
        up = heard(None, "backup", MONITOR, T0 + minutes(4), T0 + minutes(4))
        assert up is not None
        assert heard(up, "backup", MONITOR, T0 + minutes(4), T0 + minutes(9)) is None
        assert heard(up, "backup", MONITOR, T0 + minutes(3), T0 + minutes(9)) is None

    def test_a_heartbeat_stamped_in_the_future_counts_as_of_now(self) -> None:
        up = heard(None, "backup", MONITOR, T0 + minutes(60), T0)
        assert up is not None
        assert (up.last_seen_at, up.due_at) == (T0, T0 + minutes(6))

    def test_a_heartbeat_before_the_first_scan_starts_the_monitor_up(self) -> None:
        up = heard(None, "backup", MONITOR, T0, T0)
        assert up is not None
        assert (up.state, up.armed_at, up.incident_id) == (UP, T0, None)

    def test_a_late_heartbeat_stamped_before_the_due_time_still_resolves(self) -> None:
        """Received 12:05:59, handled after the 12:06 scan declared: the miss was a false
        alarm, and the incident is resolved."""
        row = heard(None, "backup", MONITOR, T0, T0)
        assert row is not None
        [down] = review(MONITORS, {"backup": row}, T0 + minutes(6)).writes
        back = heard(
            down, "backup", MONITOR, T0 + minutes(6) - timedelta(seconds=1), T0 + minutes(6)
        )
        assert back is not None
        assert (back.state, back.incident_id) == (UP, down.incident_id)


class TestSettling:
    def test_what_is_left_to_do_about_a_monitors_incident(self) -> None:
        down = MonitorState("backup", DOWN, T0, T0 + minutes(6), None, "hb-1", T0 + minutes(6))
        up = replace(down, state=UP, last_seen_at=T0 + minutes(7))
        assert pending(down, incident_recorded=False) == "declare"
        assert pending(down, incident_recorded=True) is None
        assert pending(up, incident_recorded=False) == "declare"  # declared first, then resolved
        assert pending(up, incident_recorded=True) == "resolve"
        assert pending(armed("backup", MONITOR, T0), incident_recorded=False) is None

    def test_the_miss_a_row_remembers(self) -> None:
        down = MonitorState(
            "backup", DOWN, T0, T0 + minutes(6), T0 + minutes(1), "hb-1", T0 + minutes(6)
        )
        assert missed_of(down) == Missed("backup", "hb-1", T0 + minutes(6), T0 + minutes(1))
        assert missed_of(replace(down, state=UP)) == Missed("backup", "hb-1", T0 + minutes(6), None)
        assert missed_of(armed("backup", MONITOR, T0)) is None

    def test_the_incident_id_is_the_same_for_every_scanner_and_differs_per_miss(self) -> None:
        assert incident_id("backup", T0) == incident_id("backup", T0)
        assert incident_id("backup", T0) != incident_id("backup", T0 + minutes(6))
        assert incident_id("backup", T0) != incident_id("backups", T0)
        assert len(incident_id("x" * 100, T0)) <= 64


class TestTheDeclaration:
    def config(self, **monitor: object) -> RoutingConfig:
        document = minimal_document()
        document["heartbeats"] = {
            "backup": {"every": "5m", "impact": "major", "urgency": "high", **monitor}
        }
        return RoutingConfig.model_validate(document)

    def test_a_miss_declares_its_impact_urgency_and_service(self) -> None:
        miss = Missed("backup", "hb-1", T0 + minutes(6), T0)
        payload = declaration(self.config(service="api"), miss)
        assert payload == {
            "incident_id": "hb-1",
            "fingerprint": "heartbeat:backup",
            "title": "Heartbeat backup missed",
            "summary": "Heartbeat backup: no heartbeat since 2026-11-25T12:00:00Z; expected"
            " every 5m (grace 1m), due by 2026-11-25T12:06:00Z.",
            "impact": "major",
            "urgency": "high",
            "services": ["api"],
            "source": "heartbeat",
            "declared_at": "2026-11-25T12:06:00Z",
            "labels": {"heartbeat": "backup"},
        }

    def test_without_a_service_it_is_the_fallback_services(self) -> None:
        payload = declaration(
            self.config(title="Backups stopped"), Missed("backup", "hb-1", T0, None)
        )
        assert payload["services"] == ["api"]
        assert payload["title"] == "Backups stopped"
        assert "never heard from" in payload["summary"]

    def test_a_runbook_is_a_link(self) -> None:
        config = self.config(runbook="https://runbooks.test/backup")
        payload = declaration(config, Missed("backup", "hb-1", T0, None))
        assert payload["links"] == {"runbook": "https://runbooks.test/backup"}

    def test_the_resolution_says_when_it_came_back(self) -> None:
        assert (
            resolution_text("backup", T0)
            == "Heartbeat backup received again at 2026-11-25T12:00:00Z."
        )


def test_muster_pings_out_only_when_a_worker_and_a_beat_were_seen_recently() -> None:
    seen = {"worker": T0, "beat": T0 - timedelta(seconds=31)}
    within = timedelta(seconds=30)
    assert stale_processes(seen, ("worker", "beat"), T0, within) == ["beat"]
    assert stale_processes({}, ("worker", "beat"), T0, within) == ["worker", "beat"]
    assert stale_processes(seen, ("worker", "beat"), T0 - timedelta(seconds=2), within) == []


# Properties: any heartbeats, any scans (each made twice, as by two beats) ------------------

offsets = st.lists(st.integers(min_value=0, max_value=3 * 3600), max_size=30)


def play(beats: list[int], scans: list[int]) -> tuple[list[Missed], MonitorState | None]:
    """Heartbeats and scans (each scan twice) at their offsets in seconds from T0, in order;
    every miss declared, and the state at the end. Settling (resolving) happens at once."""
    row: MonitorState | None = None
    events = sorted([(t, 1, "beat") for t in beats] + [(t, 0, "scan") for t in scans])
    missed: list[Missed] = []
    for offset, _, kind in events:
        now = T0 + timedelta(seconds=offset)
        if kind == "beat":
            row = heard(row, "backup", MONITOR, now, now) or row
            if row is not None and row.incident_id is not None:
                row = replace(row, incident_id=None, missed_at=None)  # resolved
            continue
        for _ in range(2):
            rows = {} if row is None else {"backup": row}
            decided = review(MONITORS, rows, now)
            missed += decided.missed
            row = decided.writes[-1] if decided.writes else row
    return missed, row


@settings(max_examples=300)
@given(beats=offsets, scans=offsets)
def test_a_miss_is_declared_once_per_silence_and_only_after_the_allowance(
    beats: list[int], scans: list[int]
) -> None:
    missed, _ = play(beats, [0, *scans])
    allowance = MONITOR.allowance
    ids = [miss.incident_id for miss in missed]
    assert len(ids) == len(set(ids)), "two scans of the same miss declared it twice"
    heard_at = sorted(T0 + timedelta(seconds=t) for t in beats)
    for miss in missed:
        before = [t for t in heard_at if t < miss.due_at]
        anchor = before[-1] if before else T0
        assert miss.due_at == anchor + allowance, "missed before its allowance ran out"
        assert not any(anchor < t < miss.due_at for t in heard_at)
    silences = {miss.due_at - allowance for miss in missed}
    assert len(silences) == len(missed), "one silence declared twice"


@settings(max_examples=200)
@given(scans=offsets, every=st.integers(min_value=30, max_value=359))
def test_a_monitor_that_beats_within_its_allowance_is_never_missed(
    scans: list[int], every: int
) -> None:
    beats = list(range(0, 3 * 3600 + 1, every))
    missed, _ = play(beats, scans)
    assert missed == []
