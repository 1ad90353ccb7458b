"""The words of holds: the timeline's "held by window X: reason", the rooms' one line about a
declaration a hold keeps from paging, and what its release did.

A window's name and reason are ops' words from the config, a silence's reason an on-call
person's; the incident's title is a producer's. Every one of them is escaped for where it is
shown (:mod:`muster.worker.core.rendering.escaping`), as in pages.
"""

from __future__ import annotations

from collections.abc import Sequence

from muster.worker.core.decisions.release import NOTHING, PAGED, RESOLVED, RESUMED, Released
from muster.worker.core.paging.incident import Incident
from muster.worker.core.rendering import escaping
from muster.worker.core.rendering.escaping import code_span, markdown, one_line
from muster.worker.core.rendering.render import RenderedMessage


def held_text(hold_kind: str, hold_name: str, reason: str) -> str:
    """``held by window payments-db-failover: PostgreSQL failover`` (the timeline's words)."""
    return f"held by {hold_kind} {hold_name}" + (f": {reason}" if reason else "")


def paused_text(hold_kind: str, hold_name: str, reason: str) -> str:
    """The timeline's words for escalations a window paused (``existing: pause``)."""
    return f"escalations paused by {hold_kind} {hold_name}" + (f": {reason}" if reason else "")


def released_text(outcome: Released, hold_kind: str, hold_name: str) -> str:
    """What a release did, for the timeline."""
    ended = f"{hold_kind} {hold_name} no longer holds it"
    if outcome == PAGED:
        return f"{ended}: paged as a fresh declaration, escalation starts now"
    if outcome == NOTHING:
        return f"{ended}: nobody paged (on_end: nothing)"
    if outcome == RESUMED:
        return f"{ended}: escalations resume with the time they had left"
    if outcome == RESOLVED:
        return f"resolved while held by {hold_kind} {hold_name}: nobody paged"
    return ended


def render_held(
    incident: Incident,
    severity: str,
    hold_kind: str,
    hold_name: str,
    reason: str,
    last: bool = False,
) -> RenderedMessage:
    """The rooms' one line about a declaration held at its instant: recorded, paging nobody;
    ``last``: the last the room hears one by one of those the hold keeps (a storm's)."""
    held = held_text(hold_kind, one_line(hold_name, 100), one_line(reason, 300))
    rest = (
        "; more it holds are told together when it ends (muster incidents lists them now)"
        if last
        else ""
    )
    body = (
        f"**[{severity}] {markdown(one_line(incident.title, 160))}** ({code_span(incident.id)})"
        f" declared, {markdown(held)}: pages nobody until it ends{rest}"
    )
    return RenderedMessage(
        title=f"[{severity}] {escaping.title(incident.id)} held",
        body=body,
        body_format="markdown",
    )


def render_released(
    incident: Incident, severity: str, hold_kind: str, hold_name: str
) -> RenderedMessage:
    """The rooms' one line when a held declaration pages at last."""
    body = (
        f"**[{severity}] {markdown(one_line(incident.title, 160))}** ({code_span(incident.id)})"
        f" still open as {markdown(hold_kind)} {markdown(one_line(hold_name, 100))} ends:"
        " paging now"
    )
    return RenderedMessage(
        title=f"[{severity}] {escaping.title(incident.id)} paging",
        body=body,
        body_format="markdown",
    )


RELEASES_LISTED = 20
"""Incidents one room line about a hold's releases lists; the rest are counted."""


def render_released_together(
    released: Sequence[tuple[Incident, str]], hold_kind: str, hold_name: str
) -> RenderedMessage:
    """The rooms' one line when many held declarations page at once (a window that held a
    storm ends): how many, the first :data:`RELEASES_LISTED` by severity and title, the count of
    the rest. Each incident's own timeline still says what its release did."""
    name = one_line(hold_name, 100)
    listed = [
        f"- **[{severity}] {markdown(one_line(incident.title, 160))}** ({code_span(incident.id)})"
        for incident, severity in released[:RELEASES_LISTED]
    ]
    rest = len(released) - len(listed)
    if rest:
        listed.append(f"- and {rest} more (muster incidents lists them)")
    body = (
        f"**{len(released)} held incidents** still open as {markdown(hold_kind)}"
        f" {markdown(name)} ends: paging now\n" + "\n".join(listed)
    )
    return RenderedMessage(
        title=f"{len(released)} held incidents paging: {hold_kind} {escaping.title(name)} ended",
        body=body,
        body_format="markdown",
    )
