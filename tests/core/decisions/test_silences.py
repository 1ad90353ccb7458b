"""Silences in the pure core: a silence asked for is judged against the config (its maximum
length included), and what it holds is a hold like a window's, ending early when expired."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from muster.worker.core.checks.validation import validate_document
from muster.worker.core.checks.windows import window_warnings
from muster.worker.core.config.issues import format_path
from muster.worker.core.decisions.holds import SILENCE, Subject, holding
from muster.worker.core.decisions.silences import (
    ACTIVE,
    ENDED,
    EXPIRED,
    PENDING,
    Draft,
    Silence,
    SilenceRefused,
    plan_silence,
    silence_scope,
)
from tests.harness.window_configs import config_with, windows_document

NOW = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
API = silence_scope(services=["api"])


def planned(
    length: timedelta = 2 * HOUR, starts: datetime | None = None, **maintenance: str
) -> Silence:
    document = windows_document({})
    document["maintenance"].update(maintenance)
    config, issues = validate_document(document)
    assert config is not None, issues
    draft = Draft(scope=API, author="alice", reason="reindex", starts=starts, length=length)
    return replace(plan_silence(config, draft, NOW), id="ab12cd34")


def test_a_silence_starts_now_unless_told_and_lasts_its_length() -> None:
    silence = planned()
    assert (silence.starts, silence.ends) == (NOW, NOW + 2 * HOUR)
    assert silence.state(NOW) == ACTIVE


def test_its_hold_is_a_silence_named_by_id_with_whose_and_why() -> None:
    hold = planned().hold()
    assert (hold.kind, hold.name, hold.reason) == (
        SILENCE,
        "ab12cd34",
        "silence ab12cd34 by alice: reindex",
    )
    assert holding([hold], Subject(("api",), "SEV2"), NOW + HOUR) == (hold,)


def test_an_expired_silence_holds_until_its_expiry_only() -> None:
    silence = replace(planned(), expired_at=NOW + HOUR, expired_by="bob")
    assert silence.hold().ends == NOW + HOUR
    assert silence.state(NOW + HOUR) == EXPIRED
    assert planned().state(NOW + 2 * HOUR) == ENDED


def test_a_silence_expired_before_its_start_holds_nothing() -> None:
    silence = replace(planned(starts=NOW + 3 * HOUR), expired_at=NOW + HOUR)
    hold = silence.hold()
    assert hold.starts == hold.ends == NOW + HOUR
    assert silence.state(NOW) == PENDING
    assert silence.state(NOW + HOUR) == EXPIRED


def test_a_day_is_the_longest_by_default_and_the_config_may_say_otherwise() -> None:
    assert planned(timedelta(days=1)).ends == NOW + timedelta(days=1)
    with pytest.raises(SilenceRefused, match=r"longer than maintenance.silence_max_length \(1d\)"):
        planned(timedelta(days=1, seconds=1))
    assert planned(timedelta(hours=36), silence_max_length="2d").ends == NOW + timedelta(hours=36)
    with pytest.raises(SilenceRefused, match=r"\(4h\)"):
        planned(5 * HOUR, silence_max_length="4h")


def test_a_silence_allowed_longer_than_a_window_is_a_warning() -> None:
    """An unreviewed silence should not be the way around a reviewed window's limit."""
    document = windows_document({})
    document["maintenance"].update(max_length="12h")
    config, _ = validate_document(document)
    assert config is not None
    warnings = [f"{format_path(i.path)}: {i.message}" for i in window_warnings(config, NOW)]
    assert warnings == [
        "maintenance.silence_max_length: a silence may last 1d, longer than a window (max_length"
        " 12h): planned work that long belongs in a window"
    ]
    assert window_warnings(config_with({}), NOW) == []
