"""Which page goes first: the head of the level's page list, by their first contact kind.

A declaration commits and sends this one page before writing the rest of its fan-out, so how
soon the first person hears does not grow with the size of the fan-out.
"""

from __future__ import annotations

from dataclasses import replace

from muster.worker.core.paging.plan import PagePlan, PlannedPage


def first_page(plan: PagePlan) -> tuple[PlannedPage, ...]:
    """The declaration's first page (none when nobody can be paged)."""
    if not plan.pages or not plan.pages[0].contacts:
        return ()
    head = plan.pages[0]
    return (replace(head, contacts=head.contacts[:1]),)


def after_first_page(plan: PagePlan) -> tuple[PlannedPage, ...]:
    """Every page of the plan but the first page's first contact kind."""
    if not plan.pages or not plan.pages[0].contacts:
        return tuple(plan.pages)
    head = plan.pages[0]
    rest = (replace(head, contacts=head.contacts[1:]),) if len(head.contacts) > 1 else ()
    return rest + tuple(plan.pages[1:])
