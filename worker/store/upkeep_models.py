"""The tables of muster's own upkeep, beside the incidents': which processes are alive, the
heartbeat monitors' clocks, each person's paging windows, the last good routing config,
the signed requests the web has seen, and the SMS reply guard's refusals and lockouts."""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import Boolean, Index, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column

from muster.worker.store.base import Base, UtcDateTime


class Process(Base):
    """A worker or beat process that said it was alive, and when it last did.

    The database, not the broker, is where muster's state lives, so it is also where a
    process's liveness is: each worker and each beat upserts its row every few seconds
    (:mod:`muster.worker.observe.liveness`), and the web's ``/readyz`` reads the freshest of
    each kind. Rows of processes unseen for an hour are pruned by the living ones.
    """

    __tablename__ = "processes"

    kind: Mapped[str] = mapped_column(String(20), primary_key=True)  # worker | beat
    name: Mapped[str] = mapped_column(String(200), primary_key=True)  # muster-PID@host
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    seen_at: Mapped[datetime] = mapped_column(UtcDateTime)


class HeartbeatRow(Base):
    """A heartbeat monitor of the config, as a timer: when it was last heard from, when its
    silence becomes a miss, and the incident a miss declared until that is resolved.

    No foreign key to ``incidents``: a miss is committed here before its incident is declared
    (every scan declares what a crash left undeclared). The scan takes these rows under the same
    locks as timers (``FOR UPDATE SKIP LOCKED`` on PostgreSQL), so each miss declares once.
    """

    __tablename__ = "heartbeats"
    __table_args__ = (Index("ix_heartbeats_due", "state", "due_at"),)

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    state: Mapped[str] = mapped_column(String(20))  # waiting | up | down | disarmed
    armed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_seen_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    incident_id: Mapped[str | None] = mapped_column(String(64))
    missed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)  # the due time it missed
    # Who settles the incident (declares or resolves it) holds the row until then: a lease.
    settling_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class PageWindow(Base):
    """One person's paging window by one contact kind
    (:mod:`muster.worker.core.decisions.storm`): when
    it opened and closes, the pages it sent and those it holds for its digest. Decided under
    this row's lock, in the transaction that writes the pages; the digest is fired by the
    beat's scan once ``closes_at`` has passed with pages ``held``."""

    __tablename__ = "page_windows"
    __table_args__ = (Index("ix_page_windows_due", "held", "closes_at"),)

    person: Mapped[str] = mapped_column(String(100), primary_key=True)
    kind: Mapped[str] = mapped_column(String(100), primary_key=True)
    opened_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    closes_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    sent: Mapped[int] = mapped_column(Integer, default=0)
    held: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class GoodConfig(Base):
    """The last routing config that loaded cleanly, as written (``${NAME}`` unfilled: never a
    secret): a process started while the file is invalid pages with it (:mod:`muster.worker.
    store.good_config`)."""

    __tablename__ = "good_configs"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)  # one config: "routing"
    source: Mapped[str] = mapped_column(String(1000))  # the file it was read from
    text: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    stored_at: Mapped[datetime] = mapped_column(UtcDateTime)


class SeenSignature(Base):
    """A signed request the web accepted, until its timestamp expires: the same signature again
    is a replay (:mod:`muster.worker.store.seen_signatures`, the web's one writer)."""

    __tablename__ = "seen_signatures"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)  # SHA-256, hex
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)


class ReplyRefusal(Base):
    """One refused SMS reply (:mod:`muster.worker.store.reply_guard`): a wrong code (``person``
    set, ``wrong``) or any other refusal."""

    __tablename__ = "sms_reply_refusals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    person: Mapped[str | None] = mapped_column(String(100), index=True)
    wrong: Mapped[bool] = mapped_column(Boolean)
    at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)


class ReplyLockout(Base):
    """A person's number locked out of SMS replies until ``until``."""

    __tablename__ = "sms_reply_lockouts"

    person: Mapped[str] = mapped_column(String(100), primary_key=True)
    until: Mapped[datetime] = mapped_column(UtcDateTime)


PROCESSES = cast(Table, Process.__table__)
HEARTBEATS = cast(Table, HeartbeatRow.__table__)
PAGE_WINDOWS = cast(Table, PageWindow.__table__)
GOOD_CONFIGS = cast(Table, GoodConfig.__table__)
SEEN_SIGNATURES = cast(Table, SeenSignature.__table__)
