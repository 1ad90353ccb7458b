"""Every Prometheus metric muster exports, read from the metric objects themselves.

Names, types, labels and help texts are prometheus-client's own (the worker's and beat's in
:mod:`muster.worker.observe`, the web's in :mod:`muster.worker.web.metrics`); ``NOTES`` adds what
a label's values are, and a note for a metric that no longer exists fails the table.
"""

from __future__ import annotations

from prometheus_client.metrics import MetricWrapperBase

from muster.worker.observe import exporter
from muster.worker.observe import metrics as worker_metrics
from muster.worker.web import metrics as web_metrics

NOTES = {
    "muster_deliveries_sent_total": "`purpose`: `page`, `digest`, `reminder`, `notice` or "
    "`broadcast`; `kind`: the contact kind, or a broadcast's destination",
    "muster_deliveries_failed_total": "a failure is counted once its retries are spent",
    "muster_first_page_seconds": "once per incident, stored as `incidents.first_paged_at`",
    "muster_timer_lateness_seconds": "`kind`: escalation step, summary, reminder…",
    "muster_dead_letters_total": "`reason`: `contract`, `config`, `unknown_incident`, "
    "`internal_error` (refused by muster's handler) or `arrival` (refused before any handler, "
    "or a `foreign` file: the kind says why)",
    "muster_heartbeats_missed_total": "each miss once; alert on it, or on the incident it declares",
    "muster_digests_total": "a storm in progress",
    "muster_deliveries_unsent": "counted in the database at each scrape: the queue's depth",
    "muster_intake_refused_total": "`reason`: `unauthorized`, `bad_signature`, `scope`, "
    "`acts_for`, `invalid`, `reserved`, `unknown_name`, `unknown_incident`, "
    "`unclassified_alert`, `broker_unavailable`, `too_large`, `unknown_number`, "
    "`unknown_code`, `locked_out`, `rate_limited` or `unknown_heartbeat`",
}

SUFFIX = {"counter": "_total"}


def exported() -> list[tuple[str, str, str, str, str]]:
    """Each metric as (process, name as scraped, type, labels, help), in the modules' order."""
    found = []
    for process, module in (("worker, beat", worker_metrics), ("web", web_metrics)):
        for value in vars(module).values():
            if isinstance(value, MetricWrapperBase):
                kind = str(value._type)  # prometheus-client keeps its facts there
                name = value._name + SUFFIX.get(kind, "")
                labels = ", ".join(f"`{label}`" for label in value._labelnames)
                found.append((process, name, kind, labels, value._documentation))
    gauge = exporter.UnsentDeliveries._family()  # the gauge's one definition
    labels = ", ".join(f"`{label}`" for label in gauge._labelnames)
    found.append(("worker, beat", gauge.name, gauge.type, labels, gauge.documentation))
    return found


def table() -> str:
    """The metrics as a markdown table."""
    metrics = exported()
    stale = sorted(set(NOTES) - {name for _, name, *_ in metrics})
    if stale:
        raise ValueError(f"docs/tables/metrics.py: NOTES for metrics that are gone: {stale}")
    rows = ["| metric | type | labels | served by | what |", "|---|---|---|---|---|"]
    for process, name, kind, labels, help_text in metrics:
        note = f"; {NOTES[name]}" if name in NOTES else ""
        rows.append(f"| `{name}` | {kind} | {labels or '—'} | {process} | {help_text}{note} |")
    return "\n".join(rows)
