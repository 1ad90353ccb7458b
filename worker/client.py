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
wire: producers need not import the worker's tasks, nor Celery itself — a client publishes with
kombu alone (:mod:`muster.worker.broker.publisher`) the message Celery's ``send_task`` would,
unless it is given a Celery app to send through (the worker's own, a test's in-process stack).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any

from amqp.exceptions import MessageNacked
from kombu.exceptions import OperationalError

from muster.config.settings import Settings
from muster.worker.broker.publisher import Publisher
from muster.worker.broker.task_message import task_message
from muster.worker.broker.transport import broker_url as configured_broker
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

if TYPE_CHECKING:
    from celery import Celery


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
        self.app = app
        self.via: Celery | Publisher
        if app is None:
            self.via = Publisher(broker_url or configured_broker(settings), settings)
            self.url = self.via.url
        else:
            self.via, self.url = app, str(app.conf.broker_url)
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
        kwargsrepr = "{}" if argsrepr else None
        try:
            return self._publish(task, args, kwargs, argsrepr, kwargsrepr)
        except (OperationalError, OSError) as failure:
            where = mask_url(self.url)
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
            where = mask_url(self.url)
            raise BrokerUnavailable(
                f"the broker at {where} refused the message (a negative publisher confirm); "
                "nothing was queued"
            ) from None

    def _publish(
        self,
        task: str,
        args: list[Any],
        kwargs: dict[str, Any],
        argsrepr: str | None,
        kwargsrepr: str | None,
    ) -> str:
        retry_policy = publish_retry(self.timeout)
        if isinstance(self.via, Publisher):
            message = task_message(
                task, args, kwargs, sender=self, argsrepr=argsrepr, kwargsrepr=kwargsrepr
            )
            self.via.publish(message, retry_policy)
            return message.task_id
        sent = self.via.send_task(
            task,
            args=args,
            kwargs=kwargs,
            retry=True,
            retry_policy=retry_policy,
            argsrepr=argsrepr,
            kwargsrepr=kwargsrepr,
        )
        return str(sent.id)

    def connection(self) -> Any:
        """A new kombu connection to this client's broker, for a raw publish (a tool's, a
        test's): what the contract's messages go through is :meth:`send`."""
        if isinstance(self.via, Publisher):
            return self.via.connection()
        return self.via.connection_for_write()

    def close(self) -> None:
        """Close the client's broker connections."""
        self.via.close()

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
