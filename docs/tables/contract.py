"""The message contract's fields, read from the pydantic models of :mod:`muster.worker.messages`.

Types, limits and whether a field is required are the models' JSON schema; the meanings are
written here, and a field without one (or a meaning for a field that is gone) fails the table.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from muster.worker import messages
from muster.worker.tasks import names

MESSAGES = {
    "declared": names.DECLARED,
    "milestone": names.MILESTONE,
    "acknowledged": names.ACKNOWLEDGED,
    "resolved": names.RESOLVED,
    "heartbeat": names.HEARTBEAT,
}

MEANINGS: dict[str, dict[str, str]] = {
    "declared": {
        "incident_id": "idempotency key; generated when absent and returned to the producer; "
        "not starting `alert-` or `hb-` ([reserved](#reserved-namespaces))",
        "fingerprint": "grouping key: while an incident with it is open, a declaration with it "
        "joins that incident, which keeps the worst of both ([Declared]"
        "(paging.md#declaration-and-the-other-messages)); not starting `alerts:`, `heartbeat:` or "
        "`caller:`; over the web intake the caller's own",
        "title": "one line, goes into every page",
        "summary": "what is known",
        "impact": "one of the config's impact levels (`critical`, `major`…)",
        "urgency": "one of the config's urgency levels (`high`, `medium`…)",
        "services": "impacted services; names unknown to the config are kept, logged, and "
        "routed to the fallback service",
        "source": "who declared it (`alertmanager`, `support`, a person)",
        "customer_reports": "support tickets or customer reports behind it",
        "links": "name → URL: conference room, dashboards, tickets",
        "declared_at": "defaults to receipt time",
        "labels": "free-form, shown in pages",
    },
    "milestone": {
        "incident_id": "the incident",
        "kind": "what happened",
        "text": "what to say",
        "author": "person id or name",
        "at": "defaults to receipt time",
        "milestone_id": "idempotency key",
        "impact": "only with `redefinition`: the new impact",
        "urgency": "only with `redefinition`: the new urgency",
        "services": "with `redefinition`: the impacted services; with `engage`: services whose "
        "on-call SMEs are paged now (not added to the impact)",
        "state": "only with `state_change`",
        "role": "only with `role_change`: the role handed over",
        "person": "only with `role_change`: its new holder",
        "people": "only with `engage`: person ids paged now",
    },
    "acknowledged": {
        "incident_id": "the incident",
        "person": "a person id: who took the page",
        "role": "only the chains that paged them for this role stop",
        "at": "defaults to receipt time",
    },
    "resolved": {
        "incident_id": "the incident (this or `fingerprint`, exactly one)",
        "fingerprint": "the open incident declared with it (a web caller's own)",
        "text": "resolution note",
        "at": "defaults to receipt time",
    },
    "heartbeat": {
        "name": "a monitor under the config's `heartbeats`",
        "received_at": "when the heartbeat was received (the web intake stamps it); defaults "
        "to receipt time",
    },
}


def table(message: str) -> str:
    """One message's fields as a markdown table."""
    schema = messages.CONTRACT[MESSAGES[message]].model_json_schema()
    fields: dict[str, Any] = schema["properties"]
    meanings = MEANINGS[message]
    if set(fields) != set(meanings):
        raise ValueError(
            f"docs/tables/contract.py: MEANINGS[{message!r}] lacks "
            f"{sorted(set(fields) - set(meanings))} and has stale "
            f"{sorted(set(meanings) - set(fields))}"
        )
    required = set(schema.get("required", []))
    rows = ["| field | type | required | meaning |", "|---|---|---|---|"]
    for name, field in fields.items():
        needed = "yes" if name in required else "no"
        rows.append(f"| `{name}` | {describe(field)} | {needed} | {meanings[name]} |")
    return "\n".join(rows)


def describe(field: dict[str, Any]) -> str:
    """A JSON schema's type in words: ``string, 1–64 chars``."""
    options = [option for option in field.get("anyOf", [field]) if option.get("type") != "null"]
    return " or ".join(_one(option) for option in options)


def _one(field: dict[str, Any]) -> str:
    if "enum" in field:
        return ", ".join(f"`{value}`" for value in field["enum"])
    kind = field.get("type", "any")
    if kind == "string":
        if field.get("format") == "date-time":
            return "time (RFC 3339, with an offset)"
        limits = [_length(field, "Length", " chars"), f"`{field.get('pattern', '')}`"]
        return _with("string", limits)
    if kind == "array":
        return _with("list", [_length(field, "Items", "")]) + f" of {describe(field['items'])}"
    if kind == "object":
        values = describe(field.get("additionalProperties", {}))
        return _with("object", [_length(field, "Properties", "")]) + f" of string → {values}"
    return str(kind)


def _with(kind: str, limits: list[str]) -> str:
    shown = [limit for limit in limits if limit.strip("`")]
    return f"{kind} ({', '.join(shown)})" if shown else kind


def _length(field: dict[str, Any], suffix: str, unit: str) -> str:
    low, high = field.get(f"min{suffix}"), field.get(f"max{suffix}")
    if high is None:
        return f"at least {low}{unit}" if low else ""
    return f"{low or 0}–{high}{unit}"


TABLES: dict[str, Callable[[], str]] = {
    f"contract-{name}": partial(table, name) for name in MESSAGES
}
"""The contract's tables by marker name."""
