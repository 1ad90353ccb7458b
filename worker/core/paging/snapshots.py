"""Plans as JSON-ready data and back, so the database can keep the plan an incident was paged by.

Rendering a fallback page or a summary later needs the same plan the first pages came from, not a
fresh one from a config that has moved on.
"""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter

from muster.worker.core.paging.plan import PagePlan, PlannedPage

_PLAN = TypeAdapter(PagePlan)
_PAGE = TypeAdapter(PlannedPage)


def plan_to_data(plan: PagePlan) -> dict[str, Any]:
    """A plan as plain JSON-ready data."""
    data: dict[str, Any] = _PLAN.dump_python(plan, mode="json")
    return data


def plan_from_data(data: dict[str, Any]) -> PagePlan:
    """A plan from :func:`plan_to_data`'s output."""
    return _PLAN.validate_python(data)


def page_to_data(page: PlannedPage) -> dict[str, Any]:
    """A planned page as plain JSON-ready data."""
    data: dict[str, Any] = _PAGE.dump_python(page, mode="json")
    return data


def page_from_data(data: dict[str, Any]) -> PlannedPage:
    """A planned page from :func:`page_to_data`'s output."""
    return _PAGE.validate_python(data)
