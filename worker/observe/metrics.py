"""The worker's and beat's metrics: every name in one place, counted where the outcome is.

prometheus-client, in the process's default registry; a worker or beat serves it on
``MUSTER_METRICS_PORT`` (:mod:`muster.worker.observe.exporter`). The web process's own metrics
are :mod:`muster.worker.web.metrics`. Labels hold only what the config names (contact kinds,
broadcast destinations, timer kinds, dead-letter kinds): never an address, a person or an id.

- ``muster_deliveries_sent_total{purpose,kind}`` and ``muster_deliveries_failed_total`` — each
  send recorded (``purpose`` page, reminder, notice or broadcast; ``kind`` the contact kind, or
  the broadcast's destination). A failure is counted once its retries are spent.
- ``muster_first_page_seconds`` — from the worker's receipt of a declaration (its first commit)
  to the first of its incident's pages recorded sent, once per incident.
- ``muster_timer_lateness_seconds{kind}`` — how long after its due time the scan took a timer.
- ``muster_dead_letters_total{kind,reason}`` — letters kept (``reason``: see
  :func:`reason_class`).
- ``muster_deliveries_unsent{status}`` — pending and sending deliveries, counted in the database
  at each scrape (the exporter's collector).
- ``muster_beat_sent_total{task}`` — the beat's scheduled ticks: each task it sent on schedule
  (its scheduler's passes are not counted: Celery's loop spins through many while an entry is a
  few milliseconds from due).
- ``muster_liveness_failures_total{kind}`` — liveness rows this process could not write.
- ``muster_heartbeats_missed_total{heartbeat}`` — heartbeat monitors found silent (each miss
  once, by the scan that committed it; the label is the monitor's name in the config).
- ``muster_digests_total{kind}`` — digests of held pages written by the scan, by contact
  kind (``muster_deliveries_sent_total{purpose="digest"}`` counts them on the wire).
- ``muster_held_pages_total{hold}`` — pages a maintenance window kept from being sent: the people
  a held declaration would have paged (``hold``: the window's name; ``silence`` for every
  silence, whose ids would make the label unbounded).
- ``muster_hold_releases_total{hold,outcome}`` — held incidents released, once each, by what
  the release did (``paged``, ``nothing``, ``resumed``, ``resolved``).
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram

from muster.worker.core.decisions.holds import SILENCE, Hold
from muster.worker.store.dead_letter_kinds import DeadLetterKind

SENT = Counter("muster_deliveries_sent", "Deliveries recorded sent", ["purpose", "kind"])
FAILED = Counter(
    "muster_deliveries_failed",
    "Deliveries recorded failed, their retries spent",
    ["purpose", "kind"],
)
FIRST_PAGE = Histogram(
    "muster_first_page_seconds",
    "From a declaration's first commit to the first of its incident's pages recorded sent",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300),
)
TIMER_LATENESS = Histogram(
    "muster_timer_lateness_seconds",
    "How long after its due time the scan took a timer",
    ["kind"],
    buckets=(0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30, 60, 120, 300, 900),
)
DEAD_LETTERS = Counter("muster_dead_letters", "Dead letters kept", ["kind", "reason"])
BEAT_SENT = Counter("muster_beat_sent", "Tasks the beat sent on schedule", ["task"])
LIVENESS_FAILURES = Counter(
    "muster_liveness_failures", "Liveness rows this process could not write", ["kind"]
)
HEARTBEATS_MISSED = Counter(
    "muster_heartbeats_missed", "Heartbeat monitors found silent past every + grace", ["heartbeat"]
)
DIGESTS = Counter("muster_digests", "Digests of held pages written, by kind", ["kind"])
HELD_PAGES = Counter(
    "muster_held_pages", "Pages a maintenance window or silence kept from being sent", ["hold"]
)
HOLD_RELEASES = Counter(
    "muster_hold_releases", "Held incidents released, by what the release did", ["hold", "outcome"]
)
UNSENT = "muster_deliveries_unsent"  # a gauge the exporter collects from the database


def delivered(purpose: str, kind: str, ok: bool) -> None:
    """A send's outcome, recorded."""
    (SENT if ok else FAILED).labels(purpose, kind).inc()


def first_page(seconds: float) -> None:
    """An incident's first page went out ``seconds`` after its declaration's first commit."""
    FIRST_PAGE.observe(max(seconds, 0.0))


def timer_taken(kind: str, late: float) -> None:
    """The scan took a due timer of ``kind``, ``late`` seconds after its due time."""
    TIMER_LATENESS.labels(kind).observe(max(late, 0.0))


def dead_letter_kept(kind: str, reason: str) -> None:
    """A new dead letter of ``kind`` was kept for ``reason``."""
    DEAD_LETTERS.labels(kind, reason_class(kind, reason)).inc()


def reason_class(kind: str, reason: str) -> str:
    """A bounded class of a letter's reason, fit for a label.

    For letters muster's handler refused (kind ``invalid``): ``unknown_incident`` (retried for
    about a minute first), ``internal_error``, ``config`` (a name the config does not define)
    or ``contract``. For what arrived before any handler (the other kinds), ``arrival``: the
    kind says what was wrong with it.
    """
    if kind != DeadLetterKind.INVALID:
        return "arrival"
    if reason.startswith("unknown incident"):
        return "unknown_incident"
    if reason.startswith("internal error"):
        return "internal_error"
    if reason.startswith("unknown "):
        return "config"
    return "contract"


def beat_sent(task: str) -> None:
    """The beat sent ``task`` on schedule."""
    BEAT_SENT.labels(task).inc()


def liveness_failed(kind: str) -> None:
    """This process could not write its liveness row."""
    LIVENESS_FAILURES.labels(kind).inc()


def heartbeat_missed(name: str) -> None:
    """The scan committed a miss of heartbeat monitor ``name``."""
    HEARTBEATS_MISSED.labels(name).inc()


def digests_written(kinds: list[str]) -> None:
    """The scan committed a digest for each of ``kinds`` (one entry a digest)."""
    for kind in kinds:
        DIGESTS.labels(kind).inc()


def hold_label(kind: str, name: str) -> str:
    """A hold as a label: a window's name (the config's), or ``silence``."""
    return "silence" if kind == SILENCE else name


def pages_held(hold: Hold, pages: int) -> None:
    """A declaration ``hold`` holds would have sent ``pages`` (committed: counted once)."""
    HELD_PAGES.labels(hold_label(hold.kind, hold.name)).inc(pages)


def hold_released(kind: str, name: str, outcome: str) -> None:
    """A held incident was released (committed: counted once), with ``outcome``."""
    HOLD_RELEASES.labels(hold_label(kind, name), outcome).inc()
