"""What the web process acts with: the served config, a publisher to the broker, its limits,
and the readiness probe.

Built once per process from the environment (:func:`from_settings`); tests build their own
with a recording publisher and stubbed probes, so routes are exercised without a broker or a
database. The web reads the database (readiness, incidents' states, open pages) on an engine that
cannot write; it writes only the signed requests it accepted, the SMS reply guard's rows and
silences, on an engine of their own. Both are made when a route first needs them
(:mod:`muster.worker.web.database`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from muster.config.settings import Settings
from muster.config.watch import ConfigSource
from muster.worker.client import Client
from muster.worker.core.config.model import Override, RoutingConfig
from muster.worker.core.decisions.silences import Expiry, Silence
from muster.worker.core.intake.reply_guard import Guard, ReplyGuard
from muster.worker.web.database import WebDatabase
from muster.worker.web.lookups import IncidentListing, IncidentLookups
from muster.worker.web.ready import Check, probes
from muster.worker.web.replays import MemorySeenSignatures, SeenSignatures


class Publisher(Protocol):
    """Queues one contract message (validated again on the way); returns the broker's id.

    Raises :class:`muster.worker.client.BrokerUnavailable` when the broker cannot take it
    within the web's retry budget, :class:`muster.worker.messages.InvalidMessage` when the
    payload breaks the contract.
    """

    def __call__(self, task: str, payload: dict[str, Any]) -> str: ...


class SilenceStore(Protocol):
    """Where the web adds, lists and expires silences
    (:class:`muster.worker.store.silences.DatabaseSilences`); each raises
    :class:`~muster.worker.store.silences.SilencesUnavailable` when the database fails."""

    def add(self, silence: Silence) -> Silence: ...

    def listed(self, at: datetime, everything: bool = False) -> list[Silence]: ...

    def expire(self, ident: str, at: datetime, by: str) -> Expiry: ...


class PastOverrides(Protocol):
    """The overrides pruned from the overrides file that end after ``since``, in the order
    they were pruned (:func:`muster.worker.store.override_history.past_overrides`)."""

    def __call__(self, since: datetime) -> list[Override]: ...


class ReadinessProbe(Protocol):
    """Every readiness check, each holding or not (:class:`muster.worker.web.ready.Readiness`)."""

    def __call__(self) -> list[Check]: ...


def utc_now() -> datetime:
    """The wall clock, aware UTC: when a heartbeat was received."""
    return datetime.now(UTC)


@dataclass
class WebContext:
    """The config (its last good version), the publisher, the body limits (a webhook's is
    larger: one notification describes a whole outage), the database's incidents (None: ack
    links say they cannot check and act on nothing, SMS replies are off), the readiness
    probe (None: ``/readyz`` answers 503, having nothing to check with) and the clock that
    stamps heartbeats (and times SMS replies' lockouts). ``incident_wait``: how long an
    incident id not in the database is waited for before a message about it is refused (its
    declaration may be a moment behind).
    ``seen``: the signed requests already accepted (shared by every web process when deployed).
    ``reply_guard``: the count of wrong SMS reply codes (the deployed web's on the database,
    shared by its processes; by default this process's alone). ``listing``: the incidents
    ``GET /v1/incidents`` reads. ``silences``: where ``/v1/silences`` keeps them (None: 503).
    ``past_overrides``: the overrides pruned from the file, added back wherever shifts are
    shown (None: shifts are the config's alone)."""

    config: Callable[[], RoutingConfig]
    publish: Publisher
    max_body: int = 1_048_576
    max_webhook_body: int = 33_554_432
    incidents: IncidentLookups | None = None
    incident_wait: float = Settings.model_fields["incident_wait"].default
    readiness: ReadinessProbe | None = None
    now: Callable[[], datetime] = utc_now
    seen: SeenSignatures = field(default_factory=MemorySeenSignatures)
    reply_guard: Guard = field(default_factory=ReplyGuard)
    listing: IncidentListing | None = None  # GET /v1/incidents (None: 503, no database)
    silences: SilenceStore | None = None  # /v1/silences (None: 503, no database)
    past_overrides: PastOverrides | None = None


def from_settings(settings: Settings) -> WebContext:
    """The context the deployed web process runs with: its config file, the real broker, and
    readiness probes of the broker and (read-only) the database."""

    # One read-only engine for every read of the web's (the worker migrates and writes), and
    # one for the few tables the web writes (below); each made when first needed.
    database = WebDatabase(settings)
    source = config_source(settings, database)
    source.follow()  # reloads on a thread of its own: requests read the served config, no I/O
    publisher_settings = settings.model_copy(
        update={"publish_timeout": settings.web_publish_timeout}
    )
    client = Client(settings=publisher_settings)
    return WebContext(
        config=lambda: source.served().routing.config,
        # The web's routes build (webhooks) or scope (contract callers) every fingerprint and
        # check every incident id before publishing: they publish as muster's own intake.
        publish=lambda task, payload: client.send(task, payload, own=True),
        max_body=settings.web_max_body,
        max_webhook_body=settings.web_max_webhook_body,
        incidents=database.incidents(),
        listing=database.listing(),
        incident_wait=settings.incident_wait,
        readiness=probes(settings, database.engine, config=source.status),
        # What the web writes, on the engine that may: the signed requests it accepted, and
        # wrong SMS reply codes and lockouts, for every process to see, and silences.
        seen=database.seen(),
        reply_guard=database.reply_guard(),
        silences=database.silences(),
        past_overrides=database.past_overrides(),
    )


def config_source(settings: Settings, database: WebDatabase | None = None) -> ConfigSource:
    """The web's config: the file, or (the file invalid at start) the last good config the
    worker kept in the database, read on a read-only engine; NoGoodConfig if neither."""
    database = database or WebDatabase(settings)
    return ConfigSource(settings.config, keeper=database.keeper())
