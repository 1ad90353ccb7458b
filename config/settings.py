"""Every ``MUSTER_*`` setting, read from the environment in this one place.

Ops set these per process (the routing config, which changes while muster runs, is a file of its
own). Each field is one variable: ``broker_url`` is ``MUSTER_BROKER_URL``. The settings table of
docs/configuration.md is generated from this class, so the two cannot drift. Settings are read
when asked for, not at import, so importing muster reads nothing and creates nothing.

The class is a plain pydantic model that picks its ``MUSTER_*`` variables itself, as
pydantic-settings would (prefix, any case, an empty variable is unset, a value given to the
constructor wins), without importing pydantic-settings: that import alone cost each ``muster``
command about 0.05 s of its 0.3 s (issue 19). A test holds the two readers equal.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

PACKAGE = Path(__file__).resolve().parent
DEMO_CONFIG = PACKAGE / "demo.yaml"
PREFIX = "MUSTER_"


class Settings(BaseModel):
    """How this muster process runs: where its broker, database and config are, and its pace.

    ``Settings()`` reads the environment; ``Settings(queue="x")`` too, with ``queue`` given.
    """

    model_config = ConfigDict(frozen=True, extra="ignore", validate_default=True)

    broker_url: str | None = Field(None, description="`redis://…`, `amqp://…`")
    database_url: str | None = Field(None, description="`postgresql+psycopg://…` in production")
    config: Path = Field(DEMO_CONFIG, description="the routing config")
    home: Path = Field(Path("var"), description="embedded broker, SQLite file, outbox")
    queue: str = Field("muster", description="the queue name (one per deployment sharing a broker)")
    delivery_batch: int = Field(16, ge=1, description="deliveries per delivery task")
    send_threads: int = Field(
        256,
        ge=1,
        description="sends on the wire at once per worker process: the bound of its sending "
        "pool, which every page and broadcast goes through whatever `--concurrency` is "
        "(threads start as sends need them; each waits on its socket)",
    )
    send_per_provider: int = Field(
        128,
        ge=1,
        description="of those, sends on the wire at once to one provider (a URL's scheme and "
        "host): a slow provider holds at most this many, the rest wait in its lane, and the "
        "other providers keep `MUSTER_SEND_THREADS` minus this",
    )
    send_queue: int = Field(
        5_000,
        ge=1,
        description="sends a worker process takes on (on the wire or waiting in their "
        "provider's lane) before its delivery tasks wait for room: what bounds its memory in "
        "a storm (the rest wait in the broker and the database)",
    )
    retry_attempts: int = Field(4, ge=1, description="tries of a transient failure")
    retry_initial: float = Field(0.5, gt=0, description="first wait between tries, seconds")
    retry_max_wait: float = Field(8.0, gt=0, description="longest wait between tries, seconds")
    retry_total: float = Field(30.0, gt=0, description="a send's whole retry budget, seconds")
    lease_seconds: float = Field(
        3.0, gt=0, description="a delivery's lease, renewed every third of it while it is sent"
    )
    requeue_after: float = Field(
        10.0, gt=0, description="seconds before the sweeper re-queues a pending delivery"
    )
    sweep_every: float = Field(1.0, gt=0, description="beat's sweeper, seconds")
    scan_every: float = Field(5.0, gt=0, description="beat's timer scan, seconds")
    poll_interval: float = Field(0.1, gt=0, description="embedded broker polling, seconds")
    publish_timeout: float = Field(
        30.0,
        gt=0,
        description="how long a producer retries an unreachable broker, seconds (a RabbitMQ "
        "node's restart alone takes 4-9 s)",
    )
    outbox: Path | None = Field(None, description="where `outbox://` writes")
    web_publish_timeout: float = Field(
        5.0,
        gt=0,
        description="how long the web intake retries an unreachable broker before it answers "
        "503, seconds (monitoring retries a 503 itself)",
    )
    web_max_body: int = Field(
        1_048_576, ge=1024, description="the largest request body the web intake takes, bytes"
    )
    web_max_webhook_body: int = Field(
        33_554_432,
        ge=1024,
        description="the largest Alertmanager or Grafana webhook body the web intake takes, "
        "bytes (a 5,000-alert group is about 3 MB: a big outage must not be refused)",
    )
    web_header_timeout: float = Field(
        10.0,
        gt=0,
        description="how long the web waits for a request's line and headers, from the "
        "connection's opening or the request's first byte, seconds (then closed, with a 408 "
        "if part of a request came)",
    )
    web_body_timeout: float = Field(
        30.0,
        gt=0,
        description="how long the web waits for a request's whole body once its headers are "
        "in, seconds (then the connection is closed)",
    )
    web_keep_alive: int = Field(
        5, ge=1, description="how long the web keeps an idle connection open, seconds"
    )
    web_max_head: int = Field(
        32_768,
        ge=4096,
        description="the largest request line and headers together the web takes, bytes "
        "(then 431 and closed)",
    )
    web_max_headers: int = Field(
        100, ge=10, description="the most headers a request to the web may have (then 431)"
    )
    web_max_connections: int = Field(
        1_000,
        ge=2,
        description="connections (or requests under way) per web process before a request is "
        "answered 503 at once",
    )
    incident_wait: float = Field(
        3.0,
        ge=0,
        le=30,
        description="how long the web intake and the CLI wait for an incident id they do not "
        "find in the database before refusing a message about it (404, exit 1), seconds: a "
        "declaration queued a moment ago may not be committed yet",
    )
    ready_within: float = Field(
        30.0,
        ge=10,
        description="the web's `/readyz` wants a worker and a beat seen within this, seconds "
        "(each writes its liveness every 5 s)",
    )
    metrics_port: int | None = Field(
        None,
        ge=1,
        le=65535,
        description="the port a worker or beat process serves its Prometheus metrics on "
        "(`/metrics`); one port per process on a host",
    )
    metrics_host: str = Field(
        "127.0.0.1", description="the address the metrics port listens on (`0.0.0.0` for others)"
    )
    self_heartbeat_url: str | None = Field(
        None,
        description="muster's own outbound heartbeat: a URL (a healthchecks.io check, say) "
        "fetched every `MUSTER_SELF_HEARTBEAT_EVERY` seconds while the database answers and a "
        "worker and a beat were seen within `MUSTER_READY_WITHIN`; set it for the beat and the "
        "workers alike (it may hold a token: it is only ever logged masked)",
    )
    self_heartbeat_every: float = Field(
        60.0, ge=5, description="how often muster's own heartbeat is sent, seconds"
    )

    @model_validator(mode="before")
    @classmethod
    def _from_environment(cls, given: Any) -> Any:
        """The environment's ``MUSTER_*`` values under what the constructor was given."""
        if not isinstance(given, Mapping):
            return given
        return {**environment_values(os.environ), **given}

    @property
    def home_folder(self) -> Path:
        """``home`` as an absolute path (a relative one is the working folder's)."""
        return self.home.resolve()

    @property
    def outbox_file(self) -> Path:
        """Where ``outbox://`` writes."""
        return self.outbox or self.home / "outbox.jsonl"


def environment_values(environ: Mapping[str, str]) -> dict[str, str]:
    """The settings ``environ`` sets, by field name: ``MUSTER_`` and the field's name in any
    case, an empty value being unset (pydantic-settings' ``env_prefix``, case-insensitive,
    ``env_ignore_empty``)."""
    fields = {variable(name).lower(): name for name in Settings.model_fields}
    return {
        fields[key.lower()]: value
        for key, value in environ.items()
        if value and key.lower() in fields
    }


def settings() -> Settings:
    """The settings as the environment has them now."""
    return Settings()


# What the default is, where the field's own default does not say it.
DEFAULT_TEXT = {
    "broker_url": "embedded broker in `$MUSTER_HOME/broker`",
    "database_url": "SQLite `$MUSTER_HOME/muster.db`",
    "config": "`config/demo.yaml`",
    "home": "`./var`",
    "outbox": "`$MUSTER_HOME/outbox.jsonl`",
    "metrics_port": "unset: not served",
    "self_heartbeat_url": "unset: not sent",
}


def settings_table() -> str:
    """The documented settings table, one row a variable, as this class defines them."""
    rows = ["| variable | default | what |", "|---|---|---|"]
    for name, field in Settings.model_fields.items():
        default = DEFAULT_TEXT.get(name, f"{field.default}")
        rows.append(f"| `{variable(name)}` | {default} | {field.description} |")
    return "\n".join(rows)


def variable(field: str) -> str:
    """The environment variable of a settings field (``broker_url`` → ``MUSTER_BROKER_URL``)."""
    return PREFIX + field.upper()
