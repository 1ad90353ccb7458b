"""What a handler returns, and the one error that means "try again shortly"."""

from __future__ import annotations

from dataclasses import dataclass


class UnknownIncident(LookupError):
    """A message about an incident muster has not recorded (yet: it may be a race)."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a handler did: the incident it concerned and the deliveries to enqueue."""

    incident_id: str | None
    deliveries: tuple[int, ...] = ()
    note: str = ""
    first_page_ids: tuple[int, ...] = ()  # of ``deliveries``, those already handed to be sent
