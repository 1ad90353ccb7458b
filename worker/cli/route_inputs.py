"""What ``muster route`` can dry-run besides ``--impact``/``--urgency``/``--service``: an alert
webhook's body (``--alert``) and a heartbeat monitor's miss (``--heartbeat``), each turned into
the declaration the web or the beat would send.

A module of its own, imported only when one of them is asked for: the intake's webhook models
and the contract's messages were a tenth of a plain ``muster route``'s start (issue 19).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import click
from pydantic import ValidationError

from muster.worker.core.decisions.heartbeats import Missed, declaration
from muster.worker.core.intake.alerts import AlertRefused, AlertWebhook, webhook_message
from muster.worker.core.paging.routing import Routing
from muster.worker.messages import describe

ALERT_KEYS = ("incident_id", "fingerprint", "title", "impact", "urgency", "services", "links")


def alert_declaration(routing: Routing, path: Path, caller: str) -> dict[str, Any] | None:
    """The declaration a webhook body would become (None: it resolves), or a usage error."""
    try:
        hook = AlertWebhook.model_validate_json(path.read_bytes())
        message = webhook_message(routing.config, hook, caller)
    except ValidationError as invalid:
        raise click.UsageError(f"{path} is no alert webhook: {describe(invalid)}") from None
    except AlertRefused as refused:
        raise click.UsageError(f"the intake would refuse it (422): {refused}") from None
    return message.payload if message.task == "declared" else None


def heartbeat_declaration(routing: Routing, name: str, at: datetime) -> dict[str, Any]:
    """The declaration a miss of monitor ``name`` due at ``at`` would send, or a usage error."""
    monitors = routing.config.heartbeats
    if name not in monitors:
        known = ", ".join(sorted(monitors)) or "none"
        raise click.UsageError(f"no heartbeat monitor {name!r}: the config defines {known}")
    return declaration(routing.config, Missed(name, "dry-run", at, None))
