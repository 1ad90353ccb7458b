"""The ``heartbeats`` section: dead man's switches, declared in the config.

A heartbeat monitor expects ``POST /v1/heartbeats/NAME`` at least every ``every``; when none has
come ``grace`` after that, it declares an incident of its ``impact`` and ``urgency`` on its
``service`` (the config's ``fallback_service`` when it names none), and the next heartbeat
resolves it. Field rules live here; that the impact, urgency and service exist is checked with
the other cross-references (:mod:`muster.worker.core.checks.references`).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from pydantic import StringConstraints

from muster.worker.core.config.fields import Duration, Name, Strict, Text

Title = Annotated[str, StringConstraints(min_length=1, max_length=200)]


class HeartbeatMonitor(Strict):
    """One monitor: how often it must be heard from, and what its silence declares."""

    every: Duration
    grace: Duration = timedelta(minutes=1)
    impact: Name
    urgency: Name
    service: Name | None = None
    title: Title | None = None  # default: "Heartbeat NAME missed"
    runbook: Text | None = None  # a link in the declared incident's pages

    @property
    def allowance(self) -> timedelta:
        """How long after a heartbeat (or after the clock started) silence is a miss."""
        return self.every + self.grace
