"""Long lists in messages people read: the first few named, the rest counted.

An outage of a whole platform impacts hundreds of services, and pages each one's SMEs: a page
or a room announcement listing them all would bury what its reader must act on. Each message
names what concerns its reader first (the services they are paged for), then up to
:data:`LISTED` others, and says how many more there are.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TypeVar

from muster.worker.core.config.model import SME
from muster.worker.core.paging.plan import PagePlan, PlannedPage, ServiceRoute

LISTED = 10  # services, role holders and service links named in one message; the rest counted
ROLES_LISTED = 3  # what a page says its reader is paged as (an SMS has 160 characters)

T = TypeVar("T")


def first(items: Iterable[T], limit: int = LISTED, wanted: Iterable[T] = ()) -> tuple[list[T], int]:
    """Up to ``limit`` of ``items`` (the ``wanted`` ones first, each once, in their order), and
    how many were left out."""
    unique = list(dict.fromkeys(items))
    own = set(wanted)
    ordered = [item for item in unique if item in own] + [
        item for item in unique if item not in own
    ]
    kept = ordered[: max(limit, len([item for item in unique if item in own]))]
    return kept, len(unique) - len(kept)


def some(names: Sequence[str], more: int, noun: str = "more") -> str:
    """``a, b, c`` and, when ``more``, `` and 7 more``."""
    text = ", ".join(names)
    return f"{text} and {more} {noun}" if more else text


def planned_services(plan: PagePlan, own: Iterable[str] = ()) -> tuple[list[ServiceRoute], int]:
    """The impacted services a message names (``own``, the reader's, first), and how many not."""
    mine = set(own)
    wanted = [route for route in plan.services if route.service in mine]
    return first(plan.services, wanted=wanted)


def held(plan: PagePlan, own: Iterable[str] = ()) -> tuple[dict[str, list[str]], int]:
    """'Who holds what' of ``plan``, as :func:`some_holders` names it."""
    return some_holders(plan.holders(), own)


def some_holders(
    holders: Mapping[str, Sequence[str]], own: Iterable[str] = ()
) -> tuple[dict[str, list[str]], int]:
    """Every role that is no service's, then the services' SMEs (the reader's ``own`` role
    labels first) up to :data:`LISTED`; and how many services' holders are left out."""
    standing = {label: list(people) for label, people in holders.items() if ":" not in label}
    experts = [label for label in holders if ":" in label]
    kept, more = first(experts, wanted=own)
    return standing | {label: list(holders[label]) for label in kept}, more


def own_services(page: PlannedPage) -> list[str]:
    """The services ``page``'s person is paged for."""
    return [a.service for a in page.assignments if a.service is not None]


def role_title(label: str) -> str:
    """A role label for people: ``sme:payments-api`` → ``SME payments-api``."""
    role, _, service = label.partition(":")
    name = "SME" if role == SME else role.replace("_", " ").capitalize()
    return f"{name} {service}" if service else name


def paged_as(page: PlannedPage) -> str:
    """What ``page``'s person is paged as (an SME of a hundred services: the first few)."""
    labels, more = first([a.label for a in page.assignments], ROLES_LISTED)
    return some([role_title(label) for label in labels], more)
