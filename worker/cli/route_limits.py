"""What ``muster route`` says about paging limits: which limits a plan's pages count against,
where a person's own differ, and which first page is never held."""

from __future__ import annotations

from typing import Any

from muster.worker.core.decisions.storm import bypasses
from muster.worker.core.paging.plan import PagePlan
from muster.worker.core.paging.routing import Routing


def limits_report(routing: Routing, plan: PagePlan) -> dict[str, Any]:
    """The paging limits these pages count against: per kind, and where a person's differs."""
    limits = routing.config.limits
    kinds = list(dict.fromkeys(c.kind for page in plan.pages for c in page.contacts))
    general = {kind: limits.for_page(None, kind) for kind in kinds}
    first = plan.pages[0] if plan.pages and plan.pages[0].contacts else None
    return {
        "kinds": {kind: str(limit) if limit else None for kind, limit in general.items()},
        "people": {
            page.person: {
                c.kind: str(own) if own else None
                for c in page.contacts
                if (own := limits.for_page(page.person, c.kind)) != general[c.kind]
            }
            for page in plan.pages
            if any(limits.for_page(page.person, c.kind) != general[c.kind] for c in page.contacts)
        },
        "first_page_bypasses": (
            {"person": first.person, "kind": first.contacts[0].kind}
            if first is not None and bypasses(plan.rank, first_page=True)
            else None
        ),
    }


def limit_lines(limits: dict[str, Any]) -> list[str]:
    """The report's limits as the dry run prints them (nothing when no page is limited)."""
    if not limits["kinds"]:
        return []
    lines = [
        "",
        "limits (per person and kind; pages beyond are held for one digest per window):",
        "  "
        + ", ".join(f"{kind} {limit or 'unlimited'}" for kind, limit in limits["kinds"].items()),
    ]
    lines += [
        f"  {person}: " + ", ".join(f"{kind} {limit or 'unlimited'}" for kind, limit in own.items())
        for person, own in limits["people"].items()
    ]
    bypass = limits["first_page_bypasses"]
    if bypass:
        lines.append(
            f"  the first page ({bypass['person']} by {bypass['kind']}) is never held: "
            "highest severity"
        )
    return lines
