"""The one SEV1 every part of the delivery bench sends: its routing config and its deliveries.

Raw Apprise (floor A) sends exactly the URLs and rendered messages muster sends for this incident,
so the two differ only by what muster does around a send.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from muster.channels.targets import target_url
from muster.worker.core.paging.incident import Incident
from muster.worker.core.paging.plan import build_page_plan
from muster.worker.core.paging.routing import Routing
from muster.worker.core.rendering.broadcasts import render_declared
from muster.worker.core.rendering.render import RenderedMessage, render_page

ROLES = 20
TITLE = "Checkout failing for EU customers"
SUMMARY = "Card payments return HTTP 500 since the 14:02 deploy; about 30% of checkouts fail."
SOURCE = "delivery-bench"


def routing_yaml(port: int) -> str:
    """A SEV1 that pages 20 standing roles and the service SME by chat, email and SMS."""
    base = f"json://127.0.0.1:{port}"
    roles = [f"role{i:02d}" for i in range(1, ROLES + 1)]
    people = [f"p{i:02d}" for i in range(1, ROLES + 2)]
    lines = [
        "# Written by bench/delivery_bench.py: every page and broadcast is one POST to its sink.",
        "version: 1",
        "timezone: UTC",
        "severity:",
        "  impacts: [critical, minor]",
        "  urgencies: [high, low]",
        "  matrix:",
        "    critical: {high: SEV1, low: SEV2}",
        "    minor: {high: SEV2, low: SEV2}",
        "  levels:",
        f"    SEV1: {{page: [{', '.join([*roles, 'sme'])}], via: [chat, email, sms],"
        " ack_within: 30m}",
        "    SEV2: {page: [sme], via: [chat]}",
        "roles:",
        *(f"  {role}: {{rotation: r-{role}}}" for role in roles),
        "services:",
        f'  svc: {{smes: r-sme, runbook: "https://runbooks.example.test/svc",'
        f' room: "{base}/room/svc"}}',
        "fallback_service: svc",
        "rotations:",
        *(
            f"  r-{role}: {{members: [{person}]}}"
            for role, person in zip(roles, people, strict=False)
        ),
        f"  r-sme: {{members: [{people[-1]}]}}",
        "people:",
        *(
            f"  {person}: {{name: Person {person}, email: {person}, sms: {person}, chat: {person}}}"
            for person in people
        ),
        "contacts:",
        f'  chat: "{base}/chat/{{chat}}"',
        f'  email: "{base}/email/{{email}}"',
        f'  sms: "{base}/sms/{{sms}}"',
        "  fallback: {sms: email, chat: email}",
        "broadcasts:",
        f'  incident_room: "{base}/room/incidents"',
        f'  summaries: "{base}/room/summaries"',
        f'  stakeholders: "{base}/room/stakeholders"',
        # Limits far above what a run pages: every page reaches the sink, and the fan-out
        # still takes and updates each person's windows (what storm control costs).
        "limits:",
        "  default: {max: 10000, per: 1m}",
        "  kinds: {sms: {max: 10000, per: 1m}}",
    ]
    return "\n".join(lines) + "\n"


def new_incident_id() -> str:
    return f"inc-{uuid.uuid4().hex[:12]}"


def incident_deliveries(routing: Routing) -> list[tuple[str, RenderedMessage]]:
    """The (URL, message) of every page and declaration broadcast one bench incident makes."""
    now = datetime.now(UTC)
    incident = Incident(
        id=new_incident_id(),
        title=TITLE,
        impact="critical",
        urgency="high",
        services=("svc",),
        summary=SUMMARY,
        source=SOURCE,
        declared_at=now,
    )
    plan = build_page_plan(routing, incident, now)
    sends = [
        (
            target_url(routing, page.person, contact.kind),
            render_page(contact.kind, routing, incident, plan, page),
        )
        for page in plan.pages
        for contact in page.contacts
    ]
    # The declaration goes to the incident room and the service's room (this config has both).
    declared = render_declared(routing, incident, plan)
    rooms = (routing.config.broadcasts.incident_room, routing.config.services["svc"].room)
    sends += [(room, declared) for room in rooms if room]
    return sends
