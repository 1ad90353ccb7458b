"""While the config file is rejected, every periodic summary says muster pages with the last
good config, so the team hears it where it is already looking; stakeholders never do."""

from __future__ import annotations

from muster.worker.core.rendering.summary import (
    SummaryFacts,
    compose_stakeholder_update,
    compose_summary,
)
from tests.harness.configs import WEDNESDAY_NOON
from tests.harness.core_incidents import SEV1

NOTE = (
    "the config file routing.yaml is rejected (muster config check says why): paging with the"
    " last good config (sha256 0123456789ab, stored 2026-12-07 09:30 UTC)"
)


def facts(note: str | None) -> SummaryFacts:
    return SummaryFacts(
        incident=SEV1,
        severity="SEV1",
        state="investigating",
        impact_statement="",
        since=WEDNESDAY_NOON,
        at=WEDNESDAY_NOON,
        items=[],
        holders={},
        unacknowledged=[],
        next_at=None,
        config_note=note,
    )


def test_the_summary_says_the_config_file_is_rejected() -> None:
    """A line of its own, naming the rejected file and the config that pages."""
    lines = compose_summary(facts(NOTE)).body.splitlines()
    assert f"Config: {NOTE}." in lines


def test_no_config_line_while_the_file_is_fine() -> None:
    assert "Config:" not in compose_summary(facts(None)).body


def test_stakeholders_are_not_told() -> None:
    """The customer-safe update says nothing of muster's own config."""
    assert "routing.yaml" not in compose_stakeholder_update(facts(NOTE)).body
