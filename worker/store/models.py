"""The tables. Times are stored as timezone-aware UTC; JSON columns hold plain data only."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column

from muster.worker.core.decisions.timer_state import PENDING
from muster.worker.core.paging.deliveries import DeliveryStatus
from muster.worker.core.paging.incident import INVESTIGATING
from muster.worker.store.base import Base, UtcDateTime
from muster.worker.store.dead_letter_kinds import DeadLetterKind


class Incident(Base):
    """An incident: what was declared, what it is now, and the plan its pages came from."""

    __tablename__ = "incidents"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    fingerprint: Mapped[str | None] = mapped_column(String(256), index=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    impact: Mapped[str] = mapped_column(String(100))
    urgency: Mapped[str] = mapped_column(String(100))
    severity: Mapped[str] = mapped_column(String(100))
    services: Mapped[list[Any]] = mapped_column(JSON)
    source: Mapped[str | None] = mapped_column(String(100))
    customer_reports: Mapped[list[Any]] = mapped_column(JSON, default=list)
    links: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    labels: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    state: Mapped[str] = mapped_column(String(20), default=INVESTIGATING)
    impact_statement: Mapped[str] = mapped_column(Text, default="")
    plan: Mapped[dict[str, Any]] = mapped_column(JSON)
    declared_at: Mapped[datetime] = mapped_column(UtcDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # False between a declaration's first commit (incident + first page) and its second (the
    # rest of the fan-out): a redelivered declaration then completes it.
    fanned_out: Mapped[bool] = mapped_column(
        Boolean, default=True, server_default=true(), index=True
    )
    # When the first of its pages was recorded sent (set once, by whichever worker recorded it):
    # the declaration-to-first-page latency is measured from it.
    first_paged_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class OpenFingerprint(Base):
    """A fingerprint held by an open incident: the primary key makes grouping race-free."""

    __tablename__ = "open_fingerprints"

    fingerprint: Mapped[str] = mapped_column(String(256), primary_key=True)
    incident_id: Mapped[str] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))


class IncidentAlias(Base):
    """An incident id a producer was given that leads to another incident: a declaration that
    joined an open incident by fingerprint. Lookups by id follow it."""

    __tablename__ = "incident_aliases"

    alias: Mapped[str] = mapped_column(String(64), primary_key=True)
    incident_id: Mapped[str] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class TimelineEntry(Base):
    """One thing that happened to an incident, with when and who; ``key`` makes it idempotent."""

    __tablename__ = "timeline"
    __table_args__ = (Index("ix_timeline_incident_at", "incident_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incident_id: Mapped[str] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(300), unique=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    kind: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str | None] = mapped_column(String(100))
    text: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Delivery(Base):
    """A page (person × contact kind × reason) or a broadcast, with its rendered message.

    The row is the outbox: it is committed before any task is enqueued for it, and a sweeper
    re-enqueues rows whose lease expired, so a recorded page survives any crash.
    """

    __tablename__ = "deliveries"
    __table_args__ = (
        Index("ix_deliveries_due", "status", "lease_until"),
        Index("ix_deliveries_incident", "incident_id"),
        Index("ix_deliveries_digest", "digest"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(400), unique=True)
    # None: a delivery about no incident (a shift notice, a test page, a silence's announcement)
    incident_id: Mapped[str | None] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(String(20))  # DeliveryPurpose
    reason: Mapped[str] = mapped_column(String(200))
    person: Mapped[str | None] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(100))  # contact kind, or broadcast destination name
    requested_kind: Mapped[str | None] = mapped_column(String(100))
    page: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # the PlannedPage, to re-render
    title: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text)
    body_format: Mapped[str] = mapped_column(String(20), default="text")
    # pending | sending | sent | failed; a page over its limit: held, then digested
    status: Mapped[str] = mapped_column(String(20), default=DeliveryStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    holder: Mapped[int | None] = mapped_column(Integer)  # its worker's advisory lock key
    last_error: Mapped[str | None] = mapped_column(Text)
    fallback_of: Mapped[int | None] = mapped_column(ForeignKey("deliveries.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    digest: Mapped[str | None] = mapped_column(String(300))  # the digest a held page went into


class DeliveryAttempt(Base):
    """One try at sending a delivery: when, how it ended, and the error class (never the URL)."""

    __tablename__ = "delivery_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    delivery_id: Mapped[int] = mapped_column(
        ForeignKey("deliveries.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    outcome: Mapped[str] = mapped_column(String(20))  # sent | retryable | permanent
    error: Mapped[str | None] = mapped_column(Text)
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)


class DeadLetter(Base):
    """A message that could not be handled, kept whole so ops can fix the cause and replay it.

    ``kind`` says what ``payload`` is: for ``invalid`` (refused by muster's handler) the
    message's single argument; for what Celery could not take (``undecodable``,
    ``unknown_task``, ``malformed``, ``bad_arguments``) a description of what arrived; for
    ``foreign`` (a file the embedded broker could not read) where its bytes are kept, and a
    bounded copy. A letter ops discard is marked, not deleted: what arrived stays on record.
    Keyed by the message's id and content: a producer reusing an id does not hide a message.
    """

    __tablename__ = "dead_letters"
    __table_args__ = (
        UniqueConstraint("message_id", "content_key", name="uq_dead_letters_message_content"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    message_id: Mapped[str | None] = mapped_column(String(200))
    # Tells two messages under one id apart (muster.worker.incidents.dead_letters.content_key).
    content_key: Mapped[str] = mapped_column(String(64))
    task: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(
        String(20), default=DeadLetterKind.INVALID, server_default="invalid"
    )
    payload: Mapped[Any] = mapped_column(JSON)
    reason: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)
    replayed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    discarded_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class ConsumedMessage(Base):
    """Broker messages whose handling committed: lets the embedded broker redeliver the rest."""

    __tablename__ = "consumed_messages"

    message_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)


class Timer(Base):
    """Something due at a time: an escalation step, a summary, a customer-update reminder.

    Timers live here rather than as broker countdowns (which Redis redelivers after its
    visibility timeout and RabbitMQ drops past its consumer timeout); a frequent beat task fires
    the due ones. Firing a timer and moving its ``due_at`` happen in one transaction under a row
    lock, so each step happens once however many scanners run.
    """

    __tablename__ = "timers"
    __table_args__ = (Index("ix_timers_due", "state", "due_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incident_id: Mapped[str] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))  # escalation | summary | reminder
    key: Mapped[str] = mapped_column(String(300), unique=True)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime)
    state: Mapped[str] = mapped_column(String(20), default=PENDING)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    fired: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


# The tables themselves, for the hot paths' Core statements: an INSERT or UPDATE of many rows
# given the mapped class goes through the ORM's bulk machinery, several times slower.
DELIVERIES = cast(Table, Delivery.__table__)
DELIVERY_ATTEMPTS = cast(Table, DeliveryAttempt.__table__)
TIMELINE = cast(Table, TimelineEntry.__table__)
INCIDENTS = cast(Table, Incident.__table__)

# The upkeep tables are on the same metadata: importing the models registers every table.
from muster.worker.store import hold_models as _hold_models  # noqa: E402, F401
from muster.worker.store import override_history as _override_history  # noqa: E402, F401
from muster.worker.store import silence_rows as _silence_rows  # noqa: E402, F401
from muster.worker.store import upkeep_models as _upkeep_models  # noqa: E402, F401
from muster.worker.store import window_edge_rows as _window_edge_rows  # noqa: E402, F401
