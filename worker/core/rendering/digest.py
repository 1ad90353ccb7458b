"""The words of a digest: the incidents a person's pages were held for, in one message.

One digest per person and contact kind per window (:mod:`muster.worker.core.decisions.storm`),
in the
kind's style: SMS one segment ("SEV2 inc-7 Checkout slow +4 more"), email a subject and one line
per incident, chat a compact markdown list. Email and chat carry an Acknowledge link that
acknowledges every incident in the digest for that person. Producer text is made inert as in
pages (:mod:`muster.worker.core.rendering.escaping`). A digest of the pages a maintenance
window held until its end says so (:func:`released`) instead of blaming the paging limits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from muster.worker.core.decisions.storm import Folded
from muster.worker.core.intake.ack_tokens import link
from muster.worker.core.paging.incident import INVESTIGATING
from muster.worker.core.paging.routing import Routing
from muster.worker.core.rendering import escaping
from muster.worker.core.rendering.escaping import (
    ascii_text,
    code_span,
    markdown,
    one_line,
    sms,
    text,
)
from muster.worker.core.rendering.render import SMS_SEGMENT, RenderedMessage

DIGEST_SUBJECT = "digest/"  # what a digest's ack token names instead of an incident id


def digest_ack_link(routing: Routing, reason: str, person: str, issued_at: datetime) -> str | None:
    """The link acknowledging every incident of a digest for ``person`` (a token naming
    ``digest/REASON``: ``/`` is in no incident id, so it names no incident)."""
    return link(routing.config.ack, DIGEST_SUBJECT + reason, person, issued_at)


@dataclass(frozen=True, slots=True)
class Cause:
    """Why a digest's pages were held: what follows its count, the email's first line, and
    whether its incidents are "more" (paged meanwhile) or the whole of what was held."""

    phrase: str
    email_line: str
    more: bool = True


LIMITED = Cause(
    "while paging was limited",
    "Your pages were held by muster's paging limit; these incidents were paged meanwhile:",
)


def released(holds: tuple[str, ...]) -> Cause:
    """The cause of a digest of pages maintenance windows held (``window NAME``, each) until
    they ended."""
    phrase = f"held by {', '.join(holds)} until its end"
    return Cause(phrase, f"These incidents were {phrase}, and are still open:", more=False)


def render_digest(
    kind: str,
    routing: Routing,
    items: list[Folded],
    ack_link: str | None,
    cause: Cause = LIMITED,
) -> RenderedMessage:
    """The digest of ``items`` (each incident once) by ``kind``, in that kind's style, saying
    why they were held (``cause``: the paging limits, or a window's end)."""
    if kind == "sms":
        return _sms(items, cause)
    if kind == "email":
        return _email(items, ack_link, cause)
    return _chat(items, ack_link, cause)


def _noun(items: list[Folded], cause: Cause) -> str:
    more = " more" if cause.more else ""
    return f"{len(items)}{more} incident{'s' if len(items) != 1 else ''}"


def _state(item: Folded) -> str:
    return f" ({item.state})" if item.state != INVESTIGATING else ""


def _sms(items: list[Folded], cause: Cause) -> RenderedMessage:
    head = f"muster: {_noun(items, cause)} {sms(one_line(cause.phrase, 60))}: "
    parts = [
        ascii_text(f"{i.severity} {i.incident_id} {sms(one_line(i.title, 40))}{_state(i)}")
        for i in items
    ]
    body = ascii_text(head)
    for shown, part in enumerate(parts):
        rest = len(parts) - shown - 1
        tail = f" +{rest} more" if rest else ""
        candidate = body + ("; " if shown else "") + part
        if len(candidate + tail) > SMS_SEGMENT and shown:
            body += f" +{len(parts) - shown} more"
            break
        body = candidate
    return RenderedMessage(title="", body=body, body_format="text")


def _email(items: list[Folded], ack_link: str | None, cause: Cause) -> RenderedMessage:
    worst = min(items, key=lambda item: item.rank).severity
    subject = f"[{worst}] {_noun(items, cause)} {escaping.title(cause.phrase, 200)}"
    lines = [
        text(one_line(cause.email_line, 300)),
        "",
        *(
            f"  {i.severity}  {text(one_line(i.incident_id))}  {text(one_line(i.title, 200))}"
            f"{_state(i)}"
            for i in items
        ),
    ]
    if ack_link:
        lines += ["", f"Acknowledge all {len(items)}: {ack_link}"]
    return RenderedMessage(title=subject, body="\n".join(lines) + "\n", body_format="text")


def _chat(items: list[Folded], ack_link: str | None, cause: Cause) -> RenderedMessage:
    lines = [f"**{_noun(items, cause)}** {markdown(one_line(cause.phrase, 200))}:"]
    lines += [
        f"- [{markdown(i.severity)}] {markdown(one_line(i.title, 200))} "
        f"({code_span(i.incident_id)}){_state(i)}"
        for i in items
    ]
    if ack_link:
        lines.append(f"[Acknowledge all {len(items)}]({ack_link})")
    return RenderedMessage(
        title=f"{_noun(items, cause)} {escaping.title(cause.phrase, 200)}",
        body="\n".join(lines),
        body_format="markdown",
    )
