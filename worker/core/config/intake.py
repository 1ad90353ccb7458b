"""The ``intake`` section: who may queue messages over HTTP, and how alerts become incidents.

Monitoring speaks in labels, muster in impact, urgency and services. An alert whose ``impact``,
``urgency`` and ``service`` labels already name configured values needs nothing here; otherwise
the first rule whose matchers all hold (Alertmanager's own ``match``/``match_re`` vocabulary,
regexes anchored as Alertmanager anchors them) supplies what the labels lack, then ``defaults``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from functools import cached_property
from typing import Annotated, Any

from pydantic import Field, StringConstraints, model_validator

from muster.worker.core.config.fields import Duration, Name, Strict
from muster.worker.core.config.matchers import LabelMatchers
from muster.worker.core.config.scopes import LISTED_ONLY, Scope

Secret = Annotated[str, StringConstraints(min_length=16, max_length=500)]
HeaderName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9-]{1,100}$")]


class Signature(Strict):
    """An HMAC-SHA256 of each body, keyed by ``secret`` (Grafana's webhook "HMAC signature").

    With ``timestamp_header`` the signed text is ``TIMESTAMP:BODY`` and a timestamp older than
    ``max_age`` is refused, so a captured request cannot be replayed later.
    """

    secret: Secret
    header: HeaderName = "X-Grafana-Alerting-Signature"
    timestamp_header: HeaderName | None = None
    max_age: Duration = timedelta(minutes=5)

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        yield "header", self.header
        yield "secret", "****"


class Twilio(Strict):
    """An SMS provider that signs as Twilio does: ``X-Twilio-Signature`` over ``public_url`` (the
    URL configured in Twilio, exactly, without the credentials) and the posted form, keyed by the
    account's auth token (``${TWILIO_TOKEN}``: from the environment)."""

    auth_token: Secret
    # No credentials: they would be a secret in a setting that is printed; the ones a request
    # carries are tried too (:func:`muster.worker.core.intake.twilio_signature.signed_urls`).
    public_url: Annotated[
        str, StringConstraints(pattern=r"^https?://[^/@\s]+(/\S*)?$", max_length=2000)
    ]

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        yield "auth_token", "****"
        yield "public_url", self.public_url


class Caller(Strict):
    """A caller of the web intake: its bearer token, a body signature if it signs, Twilio's
    request signature if it is Twilio, what it may do (:mod:`muster.worker.core.config.scopes`;
    none listed: every scope but ``silence``, as before scopes existed, and ``config check``
    warns), and for whom: with ``acts_for``, it acknowledges only for those people and signs
    milestones only as them (a chat bot's token, say, that should not speak for the whole
    company)."""

    token: Secret
    signature: Signature | None = None
    twilio: Twilio | None = None
    scopes: Annotated[list[Scope], Field(min_length=1)] | None = None
    acts_for: Annotated[list[Name], Field(min_length=1)] | None = None  # people; None: anyone

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        yield "token", "****"
        yield "signature", self.signature
        yield "twilio", self.twilio
        yield "scopes", self.scopes
        yield "acts_for", self.acts_for

    def may(self, scope: Scope) -> bool:
        """Whether this caller has ``scope`` (one listing none has all but :data:`LISTED_ONLY`)."""
        if self.scopes is None:
            return scope not in LISTED_ONLY
        return scope in self.scopes

    def may_act_for(self, person: str | None) -> bool:
        """Whether this caller may acknowledge for, or sign as, ``person`` (None: nobody named)."""
        return self.acts_for is None or person in self.acts_for


class AlertRule(LabelMatchers):
    """When every matcher holds for an alert's labels: the impact, urgency and services it has."""

    impact: Name | None = None
    urgency: Name | None = None
    services: list[Name] = Field(default_factory=list)

    @model_validator(mode="after")
    def _says_something(self) -> AlertRule:
        if not self.has_matchers:
            raise ValueError("a rule needs match or match_re (intake.defaults is the catch-all)")
        if not (self.impact or self.urgency or self.services):
            raise ValueError("a rule needs impact, urgency or services")
        return self


class AlertDefaults(Strict):
    """What an alert gets when neither its labels nor a rule say."""

    impact: Name | None = None
    urgency: Name | None = None
    services: list[Name] = Field(default_factory=list)


class Intake(Strict):
    """The web intake's callers, and the rules that turn alerts into declarations."""

    callers: dict[Name, Caller] = Field(default_factory=dict)
    rules: list[AlertRule] = Field(default_factory=list)
    defaults: AlertDefaults = Field(default_factory=AlertDefaults)
    sms_replies: bool = False  # SMS pages say "reply CODE to ack" (POST /v1/replies/sms)

    @cached_property
    def classified_by(self) -> tuple[str, ...]:
        """Every label an alert's classification reads: alerts alike in these are classified
        alike, so a group of a hundred is classified once per distinct combination."""
        named = {name for rule in self.rules for name in (*rule.match, *rule.match_re)}
        return ("alertname", "impact", "urgency", "service", *sorted(named))
