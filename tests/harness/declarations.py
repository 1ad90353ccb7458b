"""A declaration handled as the worker's task handles it, for the worker's tests on ``rt``.

Most tests declare the same incident, "Checkout failing" on payments-api (critical × high: a
SEV1 with the demo config), and change a field or two; a test that must send only what it names
passes ``base={}``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from muster.worker.incidents.declared import handle_declared
from muster.worker.incidents.outcome import Outcome
from muster.worker.messages import Declared, parse
from muster.worker.runtime import Runtime
from muster.worker.tasks.names import DECLARED

CHECKOUT_FAILING: Mapping[str, Any] = {
    "incident_id": "inc-1",
    "title": "Checkout failing",
    "impact": "critical",
    "urgency": "high",
    "services": ["payments-api"],
}


def declare(
    rt: Runtime,
    message_id: str = "m-1",
    *,
    base: Mapping[str, Any] = CHECKOUT_FAILING,
    send_first_page: Callable[[Any], None] | None = None,
    queue_fan_out: Callable[[str, str], None] | None = None,
    **fields: Any,
) -> Outcome:
    """``base`` with ``fields`` over it, parsed as the contract says and handled;
    ``send_first_page`` and ``queue_fan_out`` are what the worker's task hands the handler
    (default: none)."""
    message = parse(DECLARED, {**base, **fields})
    assert isinstance(message, Declared)
    return handle_declared(rt, message, message_id, send_first_page, queue_fan_out)


# Two declarations the listings show: one with a producer's terminal escapes in its title.
CHECKOUT = {
    "incident_id": "inc-1",
    "title": "Checkout failing \x1b[2J\x1b]0;owned\x07 now",  # a producer's terminal escapes
    "impact": "critical",
    "urgency": "high",
    "services": ["payments-api"],
}
SEARCH = {
    "incident_id": "inc-2",
    "title": "Search slow",
    "impact": "minor",
    "urgency": "low",
    "services": ["search"],
}
