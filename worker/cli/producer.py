"""``muster declare``, ``milestone``, ``ack``, ``resolve``: queue contract messages from a shell."""

from __future__ import annotations

import json
import re
from typing import Any

import click

from muster.worker.cli.known import check_incident, check_names
from muster.worker.messages import Acknowledged, Declared, InvalidMessage, Milestone


def _client() -> Any:
    from muster.worker.client import Client

    return Client()


def _check_declaration(title: str, impact: str, urgency: str, services: list[str]) -> None:
    """Refuse an impact or urgency the config does not define (the worker would dead-letter
    it); warn about unknown services, which the contract allows and the fallback team gets."""
    declared = Declared.model_construct(
        title=title, impact=impact, urgency=urgency, services=services
    )
    config = check_names(declared)
    if config is None:
        return
    for service in dict.fromkeys(services):
        if service not in config.services:
            handled = (
                f"routes it to the SMEs of {config.fallback_service} (fallback_service)"
                if config.fallback_service
                else "has no fallback_service: no SME is paged for it"
            )
            click.echo(f"warning: unknown service {service!r}: the config {handled}", err=True)


def _send(action: Any) -> None:
    # BrokerUnavailable is left to the group: one line, exit 4 (muster.worker.cli.failures).
    try:
        click.echo(action())
    except InvalidMessage as invalid:
        raise click.UsageError(invalid.reason) from None


def _pairs(values: tuple[str, ...], what: str) -> dict[str, str]:
    pairs = {}
    for value in values:
        name, sep, rest = value.partition("=")
        if not sep or not name:
            raise click.BadParameter(f"{value!r}: use NAME=VALUE", param_hint=what)
        pairs[name] = rest
    return pairs


@click.command("declare")
@click.option("--title", required=True)
@click.option("--impact", required=True)
@click.option("--urgency", required=True)
@click.option("--service", "services", multiple=True, required=True, help="Repeat for several.")
@click.option("--summary", default=None)
@click.option("--id", "incident_id", default=None, help="Idempotency key (generated if absent).")
@click.option("--fingerprint", default=None, help="Group alert storms into one open incident.")
@click.option("--source", default="cli")
@click.option("--link", "links", multiple=True, metavar="NAME=URL")
@click.option("--label", "labels", multiple=True, metavar="NAME=VALUE")
@click.option("--customer-report", "reports", multiple=True)
def declare(
    title: str,
    impact: str,
    urgency: str,
    services: tuple[str, ...],
    summary: str | None,
    incident_id: str | None,
    fingerprint: str | None,
    source: str,
    links: tuple[str, ...],
    labels: tuple[str, ...],
    reports: tuple[str, ...],
) -> None:
    """Declare an incident; prints its id."""
    _check_declaration(title, impact, urgency, list(services))
    fields: dict[str, Any] = {
        "source": source,
        "links": _pairs(links, "--link"),
        "labels": _pairs(labels, "--label"),
        "customer_reports": list(reports),
    }
    if summary:
        fields["summary"] = summary
    if fingerprint:
        fields["fingerprint"] = fingerprint
    _send(
        lambda: _client().declare(
            title=title,
            impact=impact,
            urgency=urgency,
            services=list(services),
            incident_id=incident_id,
            **fields,
        )
    )


@click.command("milestone")
@click.argument("incident_id")
@click.option(
    "--kind",
    required=True,
    type=click.Choice(
        [
            "sme_suggestion",
            "troubleshooting_result",
            "redefinition",
            "support_update",
            "state_change",
            "role_change",
            "engage",
            "note",
        ]
    ),
)
@click.option("--text", required=True)
@click.option("--author", default=None)
@click.option("--impact", default=None)
@click.option("--urgency", default=None)
@click.option("--service", "services", multiple=True)
@click.option("--state", default=None)
@click.option("--role", default=None)
@click.option("--person", default=None)
@click.option("--engage-person", "people", multiple=True)
def milestone(
    incident_id: str,
    kind: str,
    text: str,
    author: str | None,
    impact: str | None,
    urgency: str | None,
    services: tuple[str, ...],
    state: str | None,
    role: str | None,
    person: str | None,
    people: tuple[str, ...],
) -> None:
    """Record a milestone on INCIDENT_ID; prints the milestone id."""
    given: dict[str, Any] = {
        "author": author,
        "impact": impact,
        "urgency": urgency,
        "services": list(services) or None,
        "state": state,
        "role": role,
        "person": person,
        "people": list(people) or None,
    }
    fields = {key: value for key, value in given.items() if value is not None}
    fields_of_kind = {"incident_id": incident_id, "kind": kind, "text": text, **fields}
    check_names(Milestone.model_construct(**fields_of_kind))
    check_incident(incident_id)
    _send(lambda: _client().milestone(incident_id, kind=kind, text=text, **fields))


@click.command("ack")
@click.argument("incident_id")
@click.option("--person", required=True)
@click.option("--role", default=None)
def ack(incident_id: str, person: str, role: str | None) -> None:
    """Acknowledge PERSON's page for INCIDENT_ID."""
    check_names(Acknowledged.model_construct(incident_id=incident_id, person=person))
    check_incident(incident_id)
    _send(lambda: _client().acknowledge(incident_id, person=person, role=role) and incident_id)


@click.command("resolve")
@click.argument("incident_id")
@click.option("--text", default=None, help="Resolution note.")
def resolve(incident_id: str, text: str | None) -> None:
    """Resolve INCIDENT_ID."""
    check_incident(incident_id)
    _send(lambda: _client().resolve(incident_id, text=text) and incident_id)


# Lone surrogates: a producer's JSON may carry "\ud800", Python decodes it to a code point no
# UTF-8 encoder takes, and printing it raw would write invalid UTF-8 (or fail).
_SURROGATE = re.compile("[\ud800-\udfff]")


def dumps(value: Any) -> str:
    """JSON for people: indented, UTF-8 kept, and valid UTF-8 whatever a payload holds (a lone
    surrogate is written as its JSON escape, which reads back as the same value)."""
    text = json.dumps(value, indent=2, ensure_ascii=False, default=str)
    return _SURROGATE.sub(lambda found: f"\\u{ord(found.group()):04x}", text)
