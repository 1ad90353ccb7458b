"""The fault suite's routing config: one SEV1 that pages fifty people by chat, one each.

Fifty services, each with a one-member SME rotation, so an incident on all of them pages fifty
distinct people and nothing else (no standing roles, no escalation, no rooms): every page the
peer receives is one the test expects, and a missing or an extra one is unmistakable.
"""

from __future__ import annotations

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
    }
    if sms_template is not None:
        for i in range(people):
            document["people"][person(i)]["sms"] = phone(i)
        document["contacts"] = {"chat": chat_template, "sms": sms_template,
                                "fallback": {"chat": "sms"}}  # fmt: skip
    return document
