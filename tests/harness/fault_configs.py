"""The fault suite's routing configs, each small enough that every post is accounted for.

``fan_out_document``: one SEV1 that pages fifty people by chat, one each, without paging
limits. Fifty services, each with a one-member SME rotation, so an incident on all of them
pages fifty distinct people and nothing else (no standing roles, no escalation, no rooms):
every page the peer receives is one the test expects, and a missing or an extra one is
unmistakable.

``timers_document``: one SEV1 whose escalation, summary and reminder timers the test sets, for
the clocked timer scenarios.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

PEOPLE = 50


def person(i: int) -> str:
    return f"p{i:02d}"


def service(i: int) -> str:
    return f"svc-{i:02d}"


def phone(i: int) -> str:
    return f"+1555010{i:04d}"


def fan_out_document(
    chat_template: str, people: int = PEOPLE, sms_template: str | None = None
) -> dict[str, Any]:
    """Fifty people, fifty services, one SEV1 paging each service's SME by chat; with
    ``sms_template``, each person has a number too and a failed chat page falls back to SMS."""
    document: dict[str, Any] = {
        "version": 1,
        "timezone": "UTC",
        "severity": {
            "impacts": ["major"],
            "urgencies": ["high"],
            "matrix": {"major": {"high": "SEV1"}},
            "levels": {"SEV1": {"page": ["sme"], "via": ["chat"], "summary_every": "4h"}},
        },
        "roles": {},
        "services": {service(i): {"smes": f"rot-{i:02d}"} for i in range(people)},
        "fallback_service": service(0),
        "rotations": {f"rot-{i:02d}": {"members": [person(i)]} for i in range(people)},
        "people": {person(i): {"name": f"Person {i}", "chat": person(i)} for i in range(people)},
        "contacts": {"chat": chat_template},
        # No paging limits: the faults' flows page each person once per incident, dozens of
        # incidents a minute, and every one of those pages is one the test expects to arrive.
        "limits": {"default": None},
    }
    if sms_template is not None:
        for i in range(people):
            document["people"][person(i)]["sms"] = phone(i)
        document["contacts"] = {"chat": chat_template, "sms": sms_template,
                                "fallback": {"chat": "sms"}}  # fmt: skip
        document["limits"]["kinds"] = {"sms": None}
    return document


# The timer scenarios' people: a commander and a support lead, each with one level above them,
# and one SME. Every rotation has one member, so who is paged never depends on the date.
COMMANDER, MANAGER, LEAD, SUPPORT_MANAGER, SME = "cmd", "mgr", "lead", "smgr", "sme"


def timers_document(
    chat_template: str,
    room: Callable[[str], str],
    ack_within: str,
    summary_every: str,
    customer_update_every: str,
    repeat: int = 1,
) -> dict[str, Any]:
    """One SEV1 paging a commander, a support lead and an SME by chat, with the given timers.

    The commander's and the support lead's chains have two levels (their own rotation, then a
    manager's), the SME's one; ``repeat`` times more each chain is paged again from the top.
    Summaries go to the ``summaries`` and ``stakeholders`` rooms; nothing else is broadcast, so
    every post the chat peer gets is a page, a summary or a reminder the test counts.
    """
    people = (COMMANDER, MANAGER, LEAD, SUPPORT_MANAGER, SME)
    level = {
        "page": ["commander", "support_lead", "sme"],
        "via": ["chat"],
        "ack_within": ack_within,
        "summary_every": summary_every,
        "customer_update_every": customer_update_every,
    }
    return {
        "version": 1,
        "timezone": "UTC",
        "severity": {
            "impacts": ["major"],
            "urgencies": ["high"],
            "matrix": {"major": {"high": "SEV1"}},
            "levels": {"SEV1": level},
        },
        "roles": {
            "commander": {"rotation": "commanders", "escalate_to": ["managers"]},
            "support_lead": {"rotation": "support-leads", "escalate_to": ["support-managers"]},
        },
        "services": {"api": {"smes": "api-oncall"}},
        "fallback_service": "api",
        "rotations": {
            "commanders": {"members": [COMMANDER]},
            "managers": {"members": [MANAGER]},
            "support-leads": {"members": [LEAD]},
            "support-managers": {"members": [SUPPORT_MANAGER]},
            "api-oncall": {"members": [SME]},
        },
        "people": {name: {"name": name.title(), "chat": name} for name in people},
        "contacts": {"chat": chat_template},
        "escalation": {"repeat": repeat},
        "broadcasts": {"summaries": room("summaries"), "stakeholders": room("stakeholders")},
    }
