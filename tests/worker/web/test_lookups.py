"""What the web reads of the worker's database: a real one, written by the real handlers."""

from __future__ import annotations

from muster.worker.incidents.declared import handle_declared
from muster.worker.incidents.resolved import handle_resolved
from muster.worker.messages import parse
from muster.worker.runtime import Runtime
from muster.worker.web.database_reads import DatabaseLookups


def test_open_incidents_a_person_was_paged_for_and_states(rt: Runtime) -> None:
    declared = {
        "incident_id": "inc-1",
        "title": "Checkout failing",
        "impact": "critical",
        "urgency": "high",
        "services": ["payments-api"],
    }
    handle_declared(rt, parse("muster.incident.declared", declared), "m-1")
    lookups = DatabaseLookups(rt.database)
    assert lookups.open_paged("bob") == ["inc-1"]  # the demo's commander at WEDNESDAY_NOON
    assert lookups.open_paged("nobody") == []
    assert lookups.state("inc-1") == "investigating"
    assert lookups.state("inc-404") is None
    handle_resolved(rt, parse("muster.incident.resolved", {"incident_id": "inc-1"}), "m-2")
    assert lookups.state("inc-1") == "resolved"
    assert lookups.open_paged("bob") == []


def test_an_id_that_joined_another_incident_reads_as_that_incident(rt: Runtime) -> None:
    """What the web's 404 relies on: a producer keeps using the id it was given, even when its
    declaration joined an open incident by fingerprint."""
    declared = {
        "title": "Checkout failing",
        "impact": "critical",
        "urgency": "high",
        "services": ["payments-api"],
        "fingerprint": "fp-checkout",
    }
    for incident_id, message_id in (("inc-1", "m-1"), ("inc-2", "m-2")):
        message = parse("muster.incident.declared", {**declared, "incident_id": incident_id})
        handle_declared(rt, message, message_id)
    assert DatabaseLookups(rt.database).state("inc-2") == "investigating"
