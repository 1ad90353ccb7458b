"""The words of a shift notice: you now hold this rotation, or you no longer do, and why.

When an override is added or removed (or a config edit moves shifts), each person whose shifts
changed is told once, by their first contact kind, in that kind's style (SMS: one ASCII line;
email: a subject and a plain-text body; any other kind: markdown). It names the rotation and
what it is held for, each stretch in the config's timezone, who held it before or holds it now,
the reason and who made the change. The reason and the author are typed by whoever ran the
command, so each goes through its format's rule in :mod:`muster.worker.core.rendering.escaping`;
names from the config are escaped as well.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, tzinfo

from muster.worker.core.config.model import SME, RoutingConfig
from muster.worker.core.paging.shift_changes import PersonChange, Stretch
from muster.worker.core.rendering import escaping
from muster.worker.core.rendering.escaping import ascii_text, markdown, one_line, sms, text
from muster.worker.core.rendering.listing import first, role_title, some
from muster.worker.core.rendering.render import SMS_SEGMENT, RenderedMessage

REASON_MAX = 300
"""How much of a reason a notice carries (the overrides file keeps all of it)."""


@dataclass(frozen=True, slots=True)
class ChangeFacts:
    """What the change was, for every reader alike: what (``override ov-1a2b added``, or
    ``a config edit``), by whom (None: not known) and why (may be empty)."""

    what: str
    by: str | None
    reason: str


def _when(at: datetime, zone: tzinfo) -> str:
    return f"{at.astimezone(zone):%a %Y-%m-%d %H:%M}"


def _held_for(stretch: Stretch) -> str:
    labels = [*stretch.roles, *(f"{SME}:{service}" for service in stretch.services)]
    names, more = first([role_title(label) for label in labels], 3)
    return some(names, more)


def _person(config: RoutingConfig, key: str | None) -> str:
    if key is None:
        return "nobody (a gap)"
    person = config.people.get(key)
    return f"{person.name} ({key})" if person is not None else key


def _stretch_line(
    config: RoutingConfig, stretch: Stretch, gained: bool, rule: Callable[[str], str]
) -> str:
    zone = config.zone
    held = _held_for(stretch)
    other = _person(config, stretch.other)
    return (
        f"{rule(stretch.rotation)}{f' ({rule(held)})' if held else ''}"
        f" from {_when(stretch.starts, zone)} until {_when(stretch.until, zone)}"
        f" {zone}, {'instead of' if gained else 'now held by'} {rule(one_line(other))}"
    )


def _rotations(change: PersonChange) -> list[str]:
    return list(dict.fromkeys(s.rotation for s in (*change.gained, *change.relieved)))


def render_shift_notice(
    kind: str, config: RoutingConfig, change: PersonChange, facts: ChangeFacts
) -> RenderedMessage:
    """The notice to ``change``'s person through a contact kind, in that kind's style."""
    if kind == "sms":
        return _sms(config, change, facts)
    markup = kind != "email"
    rule: Callable[[str], str] = (lambda value: markdown(one_line(value))) if markup else text
    bullet = "- " if markup else "  - "
    by = rule(one_line(facts.by)) if facts.by else "someone (not named)"
    lines = [
        f"{'**' if markup else ''}Your on-call shifts changed{'**' if markup else ''}:"
        f" {rule(one_line(facts.what))} by {by}.",
    ]
    for heading, stretches, gained in (
        ("You now hold:", change.gained, True),
        ("You no longer hold:", change.relieved, False),
    ):
        if stretches:
            lines += ["", heading]
            lines += [f"{bullet}{_stretch_line(config, s, gained, rule)}" for s in stretches]
    if facts.reason:
        lines += ["", f"Reason: {rule(one_line(facts.reason, REASON_MAX))}"]
    title = escaping.title(
        f"Shift change: {'you now hold' if change.gained else 'you are relieved of'}"
        f" {', '.join(_rotations(change))}",
        200,
    )
    return RenderedMessage(
        title=title, body="\n".join(lines), body_format="markdown" if markup else "text"
    )


def _sms(config: RoutingConfig, change: PersonChange, facts: ChangeFacts) -> RenderedMessage:
    """One ASCII line: the first stretch gained or relieved, how many more, who and why."""
    zone = config.zone
    parts: list[str] = []
    for verb, stretches in (("now hold", change.gained), ("no longer hold", change.relieved)):
        if stretches:
            s = stretches[0]
            more = f" (+{len(stretches) - 1} more)" if len(stretches) > 1 else ""
            span = f"{_when(s.starts, zone)}-{_when(s.until, zone)}"
            parts.append(f"you {verb} {ascii_text(s.rotation)} {span}{more}")
    head = ascii_text(f"muster shift change: {'; '.join(parts)} ({zone})")
    by = f" by {sms(one_line(facts.by, 40))}" if facts.by else ""
    tail = f"{by}: {sms(one_line(facts.reason))}" if facts.reason else by
    body = one_line(head + tail, max(SMS_SEGMENT, len(head) + 20))
    return RenderedMessage(title="", body=body, body_format="text")
