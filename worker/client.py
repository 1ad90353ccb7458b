"""The producer's side: queue contract messages from a monitoring hook, a script or the CLI.

```python
from muster.worker.client import Client

client = Client()  # MUSTER_BROKER_URL, or the embedded broker in $MUSTER_HOME
incident_id = client.declare(title="Payments API 500s", impact="critical", urgency="high",
                             services=["payments-api"], source="alertmanager")
client.milestone(incident_id, kind="troubleshooting_result", text="Rolled back", author="heidi")
client.acknowledge(incident_id, person="bob")
client.resolve(incident_id, text="Fixed by rollback")
```

Messages are validated against the contract before they are sent, so a producer learns of a
mistake at once rather than from a dead letter. Only the Celery task name and JSON go over the
wire: producers need not import the worker's tasks.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from amqp.exceptions import MessageNacked
from celery import Celery
from kombu.exceptions import OperationalError

from muster.config.settings import Settings
from muster.worker.broker.app import make_app
from muster.worker.core.config.masking import mask_url
from muster.worker.messages import parse
from muster.worker.tasks.names import (
    ACKNOWLEDGED,
    DECLARED,
    MILESTONE,
    RESOLVED,
    SHIFTS_CHANGED,
    SHIFTS_EDITED,
)


def publish_retry(timeout: float) -> dict[str, float]:
    """Celery's publish retry policy that gives up after about ``timeout`` seconds."""
    step = min(1.0, timeout / 4)
    return {
        "max_retries": max(1, round(timeout / step)),
        "interval_start": 0,
        "interval_step": step,
        "interval_max": step,
    }


def new_incident_id() -> str:
    """A fresh incident id (``inc-`` and 12 hex digits)."""
    return f"inc-{uuid.uuid4().hex[:12]}"


class BrokerUnavailable(ConnectionError):
    """The broker could not be reached within the producer's retry budget; nothing was queued."""


class Client:
    """Sends contract messages to muster's broker.

    An unreachable broker is retried for ``MUSTER_PUBLISH_TIMEOUT`` seconds (30 by default) and
    then reported as :class:`BrokerUnavailable`, one sentence with the broker's masked URL: a
    monitoring hook learns at once that its page was not queued, instead of hanging.
    """

    def __init__(
        self,
        broker_url: str | None = None,
        app: Celery | None = None,
        settings: Settings | None = None,
    ) -> None:
        settings = settings or Settings()
        self.app = app or make_app(broker_url, settings)
        self.timeout = settings.publish_timeout

    def send(self, task: str, payload: dict[str, Any], *, own: bool = False) -> str:
        """Validate ``payload`` for ``task`` and queue it; returns the broker message id.

        A producer's fingerprints and incident ids may not be in muster's reserved namespaces
        (``alerts:``, ``heartbeat:``, ``caller:``, ``alert-``, ``hb-``); ``own``: the message is
        muster's own intake's, which built or scoped them itself (the web process).
        """
        message = parse(task, payload, producer=not own)
        data = message.model_dump(mode="json", exclude_none=True)
        # Celery would put a repr of the payload in the message headers (and worker logs): the
        # id says what it is, and a repr per message is measurable CPU.
        name = (
            data.get("incident_id")
            or data.get("fingerprint")
            or data.get("override_id")
            or data.get("edit")
        )
        argsrepr = f"({task} {name})"
        return self.send_call(task, [data], {}, argsrepr=argsrepr)

    def send_call(
        self, task: str, args: list[Any], kwargs: dict[str, Any], argsrepr: str | None = None
    ) -> str:
        """Queue ``task(*args, **kwargs)`` as given (a dead letter replayed as it was received),
        with :meth:`send`'s retries; BrokerUnavailable when it cannot."""
        try:
            result = self.app.send_task(
                task,
                args=args,
                kwargs=kwargs,
                retry=True,
                retry_policy=publish_retry(self.timeout),
                argsrepr=argsrepr,
                kwargsrepr="{}" if argsrepr else None,
            )
        except (OperationalError, OSError) as failure:
            where = mask_url(str(self.app.conf.broker_url))
            raise BrokerUnavailable(
                f"cannot reach the broker at {where} ({type(failure).__name__}); "
                f"retried for {self.timeout:g} s, nothing was queued"
            ) from None
        except (KeyError, ValueError) as unusable:
            # Kombu's "No such transport" and urllib's malformed URL, raised while connecting:
            # the URL itself is wrong (not printed: a malformed URL may not mask).
            reason = unusable.args[0] if unusable.args else type(unusable).__name__
            raise BrokerUnavailable(
                f"the broker URL is unusable ({reason}); nothing was queued"
            ) from None
        except MessageNacked:
            where = mask_url(str(self.app.conf.broker_url))
            raise BrokerUnavailable(
                f"the broker at {where} refused the message (a negative publisher confirm); "
                "nothing was queued"
            ) from None
        return str(result.id)

    def declare(
        self,
        *,
        title: str,
        impact: str,
        urgency: str,
        services: list[str],
        incident_id: str | None = None,
        **fields: Any,
    ) -> str:
        """Declare an incident; returns its id (generated when not given)."""
        incident_id = incident_id or new_incident_id()
        payload = {
            "incident_id": incident_id,
            "title": title,
            "impact": impact,
            "urgency": urgency,
            "services": services,
            **fields,
        }
        self.send(DECLARED, payload)
        return incident_id

    def milestone(self, incident_id: str, *, kind: str, text: str, **fields: Any) -> str:
        """Record a milestone; returns its milestone id (generated when not given)."""
        fields.setdefault("milestone_id", uuid.uuid4().hex)
        self.send(MILESTONE, {"incident_id": incident_id, "kind": kind, "text": text, **fields})
        return str(fields["milestone_id"])

    def acknowledge(self, incident_id: str, *, person: str, role: str | None = None) -> str:
        """Acknowledge ``person``'s page for ``incident_id``."""
        payload: dict[str, Any] = {"incident_id": incident_id, "person": person}
        if role:
            payload["role"] = role
        return self.send(ACKNOWLEDGED, payload)

    def resolve(self, incident_id: str, *, text: str | None = None) -> str:
        """Resolve ``incident_id``."""
        payload: dict[str, Any] = {"incident_id": incident_id}
        if text:
            payload["text"] = text
        return self.send(RESOLVED, payload)

    def shifts_changed(
        self,
        *,
        override_id: str,
        action: str,
        rotation: str,
        person: str,
        starts: datetime,
        until: datetime,
        reason: str = "",
        by: str | None = None,
    ) -> str:
        """Tell the worker an override was ``added`` or ``removed`` (muster's own message, sent
        by ``muster override`` once the file is written): it tells whose shifts moved."""
        payload: dict[str, Any] = {
            "override_id": override_id,
            "action": action,
            "rotation": rotation,
            "person": person,
            "starts": starts.isoformat(),
            "until": until.isoformat(),
            "reason": reason,
            **({"by": by} if by else {}),
        }
        return self.send(SHIFTS_CHANGED, payload, own=True)

    def shifts_edited(self, *, edit: str, people: list[dict[str, Any]], by: str | None) -> str:
        """Tell the worker whose shifts a live config edit moves (muster's own message, sent by
        ``muster config diff --notify``): it tells each of them, once per ``edit``."""
        payload: dict[str, Any] = {"edit": edit, "people": people, **({"by": by} if by else {})}
        return self.send(SHIFTS_EDITED, payload, own=True)
