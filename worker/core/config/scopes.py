"""Caller scopes: which routes and contract messages an intake caller may use.

A token that leaks should give away no more than its caller needs: Alertmanager's can declare
and resolve through its webhook and beat its heartbeats, but not acknowledge for a person nor
post milestones in anyone's name; an SMS provider's can only post replies. Each scope's name is
spelled here once; the web's routes name the scope they need, and a caller without it is 403.

A caller with no ``scopes`` (every config written before scopes existed) keeps every scope but
those of :data:`LISTED_ONLY`, and ``muster config check`` warns, naming the scopes its use
suggests (:func:`suggested_scopes`).
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from muster.worker.core.config.issues import ConfigIssue, warning

if TYPE_CHECKING:
    from muster.worker.core.config.intake import Caller, Intake


class Scope(StrEnum):
    """What one scope grants (the route each opens)."""

    ALERTS = "alerts"  # POST /v1/alertmanager and /v1/grafana: declare and resolve alert groups
    HEARTBEATS = "heartbeats"  # POST /v1/heartbeats/NAME
    DECLARE = "declare"  # POST /v1/messages/declared
    MILESTONE = "milestone"  # POST /v1/messages/milestone, with any author
    ACKNOWLEDGE = "acknowledge"  # POST /v1/messages/acknowledged, for any person
    RESOLVE = "resolve"  # POST /v1/messages/resolved, any incident by its id
    REPLIES = "replies"  # POST /v1/replies/sms: acknowledges for the sending number's person
    READ = (
        "read"  # GET /v1/oncall and /v1/incidents: who is on call, what is open and who was paged
    )
    SILENCE = "silence"  # POST, GET /v1/silences, DELETE /v1/silences/ID: hold pages at run time


EVERY_SCOPE = frozenset(Scope)
LISTED_ONLY = frozenset({Scope.SILENCE})
"""Scopes a caller has only when its ``scopes`` list them: a caller that lists none (written
before scopes, or before silences) does not gain the power to hold every page."""
ALERTING = (Scope.ALERTS, Scope.HEARTBEATS)  # a monitoring system: its webhook and heartbeats
CONTRACT = (Scope.DECLARE, Scope.MILESTONE, Scope.ACKNOWLEDGE, Scope.RESOLVE)  # a script
SMS_PROVIDER = (Scope.REPLIES,)

_HINTS = (
    (("alertmanager", "grafana", "prometheus", "monitor"), ALERTING),
    (("sms", "twilio", "reply", "replies", "eagle"), SMS_PROVIDER),
)


def suggested_scopes(name: str, *, signs: bool, sms_provider: bool) -> tuple[Scope, ...]:
    """The scopes an unscoped caller most likely needs, from what it is configured as (a Twilio
    signature: an SMS provider; a body signature: Grafana) or else its name; a script's (the
    contract) when nothing says."""
    if sms_provider:
        return SMS_PROVIDER
    if signs:
        return ALERTING
    lowered = name.lower()
    for words, scopes in _HINTS:
        if any(word in lowered for word in words):
            return scopes
    return CONTRACT


def caller_warnings(intake: Intake) -> list[ConfigIssue]:
    """A warning for each caller with every scope because it lists none (with the list to add),
    and (SMS replies on) for each that may post replies with nothing but its token to vouch for
    the sender."""
    issues = []
    for name, caller in intake.callers.items():
        if caller.scopes is None:
            suggested = suggested_scopes(
                name, signs=caller.signature is not None, sms_provider=caller.twilio is not None
            )
            issues.append(
                warning(
                    ("intake", "callers", name),
                    "lists no scopes, so it may use every route (declare, acknowledge for anyone,"
                    f" resolve anything…): add scopes: [{', '.join(suggested)}] if that is its use",
                )
            )
        elif intake.sms_replies and Scope.REPLIES in caller.scopes and not _verified(caller):
            issues.append(
                warning(
                    ("intake", "callers", name, "scopes"),
                    "may post SMS replies vouched for by its token alone (whoever holds it can"
                    " acknowledge as anyone's number): add twilio, or a signature if the gateway"
                    " signs",
                )
            )
    return issues


def _verified(caller: Caller) -> bool:
    return caller.twilio is not None or caller.signature is not None
