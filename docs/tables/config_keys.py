"""The routing config's keys, walked from :class:`RoutingConfig`, each with its meaning.

The key paths and defaults come from the pydantic model; the meanings are written here, and a
key the model has without a meaning (or a meaning for a key it no longer has) fails the table.
"""

from __future__ import annotations

import types
from datetime import timedelta
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from muster.worker.core.config.durations import format_duration
from muster.worker.core.config.limits import Limit
from muster.worker.core.config.model import RoutingConfig

# The placeholder a mapping's keys take in a path, where NAME would not say what they are.
PLACEHOLDERS = {
    "people": "ID",
    "contacts": "KIND",
    "contacts.fallback": "KIND",
    "people.ID": "KIND",
    "severity.matrix": "IMPACT",
    "severity.matrix.IMPACT": "URGENCY",
    "limits.kinds": "KIND",
    "limits.people": "PERSON",
    "limits.people.PERSON": "KIND",
    "intake.rules[].match": "LABEL",
    "intake.rules[].match_re": "LABEL",
    "maintenance.windows.NAME.scope.match": "LABEL",
    "maintenance.windows.NAME.scope.match_re": "LABEL",
}

# Values written whole (``{max, per}``) rather than walked key by key.
LEAVES: tuple[type[BaseModel], ...] = (Limit,)

MEANINGS = {
    "version": "`1`",
    "timezone": "IANA zone (`Europe/Dublin`) in which handoff times and naive override times "
    "are read",
    "severity.impacts": "the allowed impacts, most severe first",
    "severity.urgencies": "the allowed customer urgencies, most severe first",
    "severity.matrix.IMPACT.URGENCY": "the severity level of that cell; every cell must exist "
    "and name a level",
    "severity.levels.NAME.page": "roles to page (names under `roles`) and/or `sme` for the "
    "SMEs of each impacted service",
    "severity.levels.NAME.via": "contact kinds to page by (names under `contacts`), in order",
    "severity.levels.NAME.ack_within": "unacknowledged pages escalate after this; absent: "
    "never escalate",
    "severity.levels.NAME.summary_every": "periodic summary interval",
    "severity.levels.NAME.customer_update_every": "reminder interval for the support lead",
    "roles.NAME.rotation": "the rotation holding the role",
    "roles.NAME.escalate_to": "rotations its unacknowledged pages climb, in order",
    "services.NAME.smes": "the rotation of the service's subject matter experts",
    "services.NAME.escalate_to": "rotations the SMEs' unacknowledged pages climb, in order",
    "services.NAME.runbook": "a link in the service's pages",
    "services.NAME.dashboards": "links in the service's pages",
    "services.NAME.room": "an Apprise URL told the incident's milestones",
    "fallback_service": "the service whose SMEs handle services the config does not know",
    "rotations.NAME.members": "people taking turns, each listed once",
    "rotations.NAME.every": "one turn: `1d`, `1w`, `2w`, `12h` (needed with several members)",
    "rotations.NAME.handoff": '`"mon 09:00"` or `"09:00"`, in the config\'s timezone',
    "rotations.NAME.start": "the date turns count from (needed with several members)",
    "overrides[].rotation": "the rotation overridden",
    "overrides[].person": "who holds it instead, for `[from, until)`",
    "overrides[].from": "when the override starts (naive: the config's timezone)",
    "overrides[].until": "when it ends",
    "people.ID.name": "the name pages show",
    "people.ID.KIND": "one address per contact kind (`email`, `sms`, `chat`, or any kind "
    "you define)",
    "contacts.KIND": "Apprise URL template; `{KIND}` is replaced by the person's address",
    "contacts.fallback.KIND": "the kind to use when a person lacks this one (followed as a "
    "chain): `{sms: email}`",
    "broadcasts.incident_room": "Apprise URL told every incident's milestones",
    "broadcasts.summaries": "Apprise URL of the periodic summaries",
    "broadcasts.stakeholders": "Apprise URL of the customer-safe summaries",
    "escalation.repeat": "how many more times an exhausted chain is paged from the top "
    "(at most 10)",
    "ack.url": "where the Acknowledge links point (`https://…/ack`); email and chat pages "
    "carry `ack.url/TOKEN`",
    "ack.secret": "the links' signing key (≥ 16 characters, from the environment)",
    "ack.expires": "how long a link acts after its page was sent",
    "calendar.url": "where `muster web` is reached from calendars (`https://…`): feed links are "
    "`calendar.url/calendar/TOKEN.ics`",
    "calendar.secret": "the feed links' signing key (≥ 16 characters, from the environment); "
    "changing it revokes every link",
    "calendar.revoked": "ids of feed links that no longer read anything (`muster calendar link` "
    "prints each link's id)",
    "intake.callers.NAME.token": "its bearer token (≥ 16 characters, from the environment)",
    "intake.callers.NAME.signature.secret": "the HMAC-SHA256 key of its body signatures",
    "intake.callers.NAME.signature.header": "the header holding the signature",
    "intake.callers.NAME.signature.timestamp_header": "the header of the signed timestamp "
    "(absent: the body alone is signed, and replays forever)",
    "intake.callers.NAME.signature.max_age": "how old a signed timestamp may be",
    "intake.callers.NAME.twilio.auth_token": "the Twilio account token its request "
    "signatures are keyed by",
    "intake.callers.NAME.twilio.public_url": "the webhook URL as configured in Twilio, "
    "without credentials",
    "intake.callers.NAME.scopes": "what it may do: `alerts`, `heartbeats`, `declare`, "
    "`milestone`, `acknowledge`, `resolve`, `replies`, `read`, `silence` (none listed: every one "
    "but `silence`, and a warning)",
    "intake.callers.NAME.acts_for": "the only people it acknowledges for and signs milestones as",
    "intake.rules[].match.LABEL": "the label's value, equal",
    "intake.rules[].match_re.LABEL": "a regex (RE2) the whole label must match",
    "intake.rules[].impact": "the impact the rule gives",
    "intake.rules[].urgency": "the urgency the rule gives",
    "intake.rules[].services": "the services the rule gives",
    "intake.defaults.impact": "the impact of an alert no label or rule classifies",
    "intake.defaults.urgency": "the urgency of an alert no label or rule classifies",
    "intake.defaults.services": "the services of an alert no label or rule names",
    "intake.sms_replies": "`true`: SMS pages carry a reply code, and texting it back "
    "acknowledges (`POST /v1/replies/sms`)",
    "heartbeats.NAME.every": "the longest expected time between two heartbeats",
    "heartbeats.NAME.grace": "how much longer silence is tolerated before it is a miss",
    "heartbeats.NAME.impact": "the declared incident's impact",
    "heartbeats.NAME.urgency": "the declared incident's urgency",
    "heartbeats.NAME.service": "the impacted service (absent: `fallback_service`)",
    "heartbeats.NAME.title": "the incident's title (absent: `Heartbeat NAME missed`)",
    "heartbeats.NAME.runbook": "a link in its pages",
    "limits.default": "`{max, per}` for a kind not under `kinds` (`null`: unlimited)",
    "limits.kinds.KIND": "`{max, per}` for one contact kind (built in: sms and voice 5/15m)",
    "limits.people.PERSON.KIND": "one person's own limit for one kind",
    "maintenance.max_length": "the longest a window may last (a longer one is an error)",
    "maintenance.remind_after": "a window occurrence longer than this reminds the window's "
    "`author`, once, when it has held this long",
    "maintenance.silence_max_length": "the longest a silence may last (`muster silence add`, "
    "`POST /v1/silences`: a longer one is refused)",
    "maintenance.silence_remind_after": "a silence longer than this reminds its author (a "
    "configured person), once, when it has held this long",
    "maintenance.windows.NAME.reason": "why: shown wherever the window is",
    "maintenance.windows.NAME.scope.match.LABEL": "held: alerts with the label's value, equal",
    "maintenance.windows.NAME.scope.match_re.LABEL": "held: alerts whose label a regex (RE2) "
    "matches whole",
    "maintenance.windows.NAME.scope.services": "held: incidents all of whose services are listed",
    "maintenance.windows.NAME.scope.severities": "held: incidents of these severity levels",
    "maintenance.windows.NAME.start": "when it starts (naive: a wall-clock time in its zone); "
    "with `recurrence`, the first occurrence and its time of day",
    "maintenance.windows.NAME.end": "when a one-off window ends (at most `max_length` later)",
    "maintenance.windows.NAME.recurrence": "an RFC 5545 RRULE (`FREQ=WEEKLY;BYDAY=SU`): "
    "DAILY to YEARLY",
    "maintenance.windows.NAME.duration": "how long each occurrence lasts, in real time",
    "maintenance.windows.NAME.timezone": "the zone of its wall-clock times (absent: `timezone`)",
    "maintenance.windows.NAME.existing": "`keep`: incidents paged before it keep escalating; "
    "`pause`: they pause",
    "maintenance.windows.NAME.on_end": "`page`: at its end, what it held and is still open "
    "pages afresh; `nothing`",
    "maintenance.windows.NAME.author": "who planned it (a person under `people`), named on "
    "the timeline of what it holds",
}


def keys() -> list[tuple[str, str]]:
    """Every key path of the config with its default, in the model's order."""
    return list(_walk(RoutingConfig, ""))


def table() -> str:
    """The keys, their defaults and meanings as a markdown table."""
    rows = ["| key | default | meaning |", "|---|---|---|"]
    found = keys()
    missing = [path for path, _ in found if path not in MEANINGS]
    stale = sorted(set(MEANINGS) - {path for path, _ in found})
    if missing or stale:
        raise ValueError(
            f"docs/tables/config_keys.py: MEANINGS lacks {missing} and has stale {stale}"
        )
    rows += [f"| `{path}` | {default} | {MEANINGS[path]} |" for path, default in found]
    return "\n".join(rows)


def _walk(model: type[BaseModel], prefix: str) -> Any:
    for name, field in model.model_fields.items():
        path = f"{prefix}{field.alias or name}"
        default = _default(field.default, field.default_factory)
        yield from _value(field.annotation, path, default)
    if model.model_config.get("extra") == "allow":
        yield f"{prefix}{PLACEHOLDERS.get(prefix.rstrip('.'), 'NAME')}", "—"


def _value(annotation: Any, path: str, default: str) -> Any:
    annotation = _bare(annotation)
    origin = get_origin(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if issubclass(annotation, LEAVES):
            yield path, default
        else:
            yield from _walk(annotation, f"{path}.")
    elif origin is dict:
        key = PLACEHOLDERS.get(path, "NAME")
        yield from _value(get_args(annotation)[1], f"{path}.{key}", "—")
    elif origin is list and _is_model(get_args(annotation)[0]):
        yield from _walk(_bare(get_args(annotation)[0]), f"{path}[].")
    else:
        yield path, default


def _bare(annotation: Any) -> Any:
    """The type under ``Annotated`` and ``X | None``."""
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            others = [arg for arg in get_args(annotation) if arg is not type(None)]
            if len(others) != 1:
                return annotation
            annotation = others[0]
        else:
            return annotation


def _is_model(annotation: Any) -> bool:
    bare = _bare(annotation)
    return isinstance(bare, type) and issubclass(bare, BaseModel)


def _default(value: Any, factory: Any) -> str:
    if factory is not None:
        value = factory()
        if isinstance(value, BaseModel | dict | list) and not isinstance(value, Limit):
            return "—"
    if value is PydanticUndefined:
        return "required"
    if value is None:
        return "—"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, timedelta):
        return f"`{format_duration(value)}`"
    return f"`{value}`"
