"""The risks an edit brings, listed before anything else: the lints
(:mod:`muster.worker.core.checks.lint`) of the new side that the old side does not have at the
same instant — a reviewer is told what the edit introduces, not what was already there — and
what only a comparison of the two sides sees:

- a chain that no longer escalates: it had a later level with someone to page, and now every
  later level is gone or empty; or its severity's ``ack_within`` was removed;
- a person who loses every contact kind a level pages by: reachable by one of them before, by
  none now (``config check`` warns kind by kind; this says the page cannot reach them at all).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from muster.worker.core.checks.lint import lint
from muster.worker.core.config.issues import ConfigIssue, Path, warning
from muster.worker.core.config.model import SME
from muster.worker.core.paging.routing import Routing


def new_risks(old: Routing, new: Routing, at: datetime) -> tuple[ConfigIssue, ...]:
    """The new side's lints at ``at`` that the old side does not have, then the chains that no
    longer escalate and the people a level can no longer reach."""
    had = {(issue.path, issue.message) for issue in lint(old, at)}
    linted = [issue for issue in lint(new, at) if (issue.path, issue.message) not in had]
    return (*linted, *_stopped_chains(old, new), *_unreachable(old, new))


def _chains(routing: Routing) -> dict[Path, tuple[str, ...]]:
    """Each role's and service's chain of rotations, own first, by where it is written."""
    config = routing.config
    chains: dict[Path, tuple[str, ...]] = {
        ("roles", name, "escalate_to"): (role.rotation, *role.escalate_to)
        for name, role in config.roles.items()
    }
    chains |= {
        ("services", name, "escalate_to"): (service.smes, *service.escalate_to)
        for name, service in config.services.items()
    }
    return chains


def _staffed(routing: Routing, rotation: str) -> bool:
    held = routing.rotations.get(rotation)
    return held is not None and bool(held.members or held.overrides)


def _escalates(routing: Routing, chain: tuple[str, ...]) -> bool:
    return any(_staffed(routing, rotation) for rotation in chain[1:])


def _stopped_chains(old: Routing, new: Routing) -> Iterator[ConfigIssue]:
    before, after = _chains(old), _chains(new)
    for path, chain in after.items():
        was = before.get(path)
        if was is not None and _escalates(old, was) and not _escalates(new, chain):
            later = ", ".join(was[1:])
            yield warning(
                path,
                f"no longer escalates: nobody is paged after rotation {chain[0]!r} when a page"
                f" goes unanswered (before the edit: {later})",
            )
    levels = old.config.severity.levels
    for name, level in new.config.severity.levels.items():
        if name in levels and levels[name].ack_within is not None and level.ack_within is None:
            yield warning(
                ("severity", "levels", name, "ack_within"),
                f"removed: an unanswered {name} page no longer escalates",
            )


def _pageable(routing: Routing, level: str) -> set[str]:
    """Everyone a ``level`` page or its escalation can reach: members and stand-ins of its
    chains' rotations."""
    config = routing.config
    page = config.severity.levels[level].page
    rotations = {r for role in page if role in config.roles for r in _role_chain(routing, role)}
    if SME in page:
        rotations |= {
            r for service in config.services.values() for r in (service.smes, *service.escalate_to)
        }
    people: set[str] = set()
    for name in rotations & routing.rotations.keys():
        held = routing.rotations[name]
        people |= {*held.members, *(window.person for window in held.overrides)}
    return people


def _role_chain(routing: Routing, role: str) -> tuple[str, ...]:
    held = routing.config.roles[role]
    return (held.rotation, *held.escalate_to)


def _unreachable(old: Routing, new: Routing) -> Iterator[ConfigIssue]:
    a, b = old.config, new.config
    if (a.people, a.contacts, a.severity.levels) == (b.people, b.contacts, b.severity.levels):
        return  # nobody's addresses, nor what a level pages by, changed
    for name, level in b.severity.levels.items():
        if name not in a.severity.levels:
            continue
        was_via = a.severity.levels[name].via
        for person in sorted(_pageable(new, name)):
            if person not in a.people or person not in b.people:
                continue
            reached = any(old.reachable_kind(person, kind) for kind in was_via)
            if reached and not any(new.reachable_kind(person, kind) for kind in level.via):
                yield warning(
                    ("people", person),
                    f"can no longer be reached by any kind {name} pages by"
                    f" ({', '.join(level.via)}): a {name} page to them reaches nobody",
                )
