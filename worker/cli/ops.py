"""Running and operating muster: ``worker``, ``beat``, ``web``, ``db upgrade``, ``timeline``
(``dead-letters`` has a module of its own)."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, TypeVar

import click
import structlog

from muster.worker.cli.producer import dumps
from muster.worker.core.config.masking import mask_url

Built = TypeVar("Built")
DRAIN_SECONDS = 10.0  # a stopping worker's wait for its sends (their leases renewed meanwhile)


def runtime_or_exit(build: Callable[[], Built], command: str = "worker") -> Built:
    """The process's runtime (or config), or one line on stderr and exit 1 when no config can
    page (the file invalid and no last good config kept): never a traceback."""
    from muster.config.watch import NoGoodConfig

    try:
        return build()
    except NoGoodConfig as unusable:
        click.echo(f"muster {command}: cannot start: {unusable}", err=True)
        raise SystemExit(1) from None


def require_usable_broker(app: Any) -> None:
    """Refuse, before Celery starts, a broker URL no transport takes (an unknown scheme, a
    malformed URL): Celery would die of it with a traceback. An unreachable broker is not
    refused: Celery waits for it, as a worker should."""
    from kombu.connection import Connection

    from muster.worker.client import BrokerUnavailable

    url, options = str(app.conf.broker_url), dict(app.conf.broker_transport_options or {})
    try:
        # Resolving the transport is the check: no I/O. (kombu is untyped.)
        with Connection(url, transport_options=options):  # type: ignore[no-untyped-call]
            pass
    except (KeyError, ValueError, ImportError) as unusable:
        reason = unusable.args[0] if unusable.args else type(unusable).__name__
        raise BrokerUnavailable(f"the broker URL is unusable ({reason})") from None


def _port() -> int:
    port = os.environ.get("PORT", "8080")
    return int(port) if port.isdigit() else 8080


@click.command("worker")
@click.option(
    "--beat/--no-beat",
    default=False,
    help="Also run beat in this process (two per deployment keep timers going if one dies).",
)
@click.option(
    "--concurrency",
    "-c",
    default=8,
    show_default=True,
    help="Tasks handled at once (threads). Pages are sent on the process's sending pool "
    "apart from these: MUSTER_SEND_THREADS (256) at once, MUSTER_SEND_PER_PROVIDER (128) to "
    "one provider, so one slow channel does not hold up the others.",
)
@click.option(
    "--web/--no-web",
    default=False,
    help="Also serve the web intake in this process, on 127.0.0.1:$PORT (8080): `make run` "
    "does, so one command runs the whole product. In production run `muster web` apart.",
)
@click.option("--loglevel", default="INFO", show_default=True)
def worker(beat: bool, concurrency: int, web: bool, loglevel: str) -> None:
    """Run a worker: consume messages, page, deliver, sweep."""
    from muster.worker.broker import recovery as embedded_broker
    from muster.worker.log_setup import configure_logging
    from muster.worker.runtime import runtime
    from muster.worker.store.db import database_location
    from muster.worker.tasks.registry import worker_app

    configure_logging(loglevel)
    rt = runtime_or_exit(runtime)
    app = worker_app(rt.settings)
    require_usable_broker(app)
    embedded = embedded_broker.active(app)
    if embedded:
        embedded_broker.recover(rt)
    structlog.get_logger("muster").info(
        "muster.starting",
        config=str(rt.config.path),
        broker=mask_url(str(app.conf.broker_url)),
        database=database_location(rt.database.engine.url),
        outbox=str(rt.settings.outbox_file),
        beat=beat,
        tasks_at_once=concurrency,
        send_threads=rt.sending.threads,
        send_per_provider=rt.sending.per_lane,
        delivery_batch=rt.settings.delivery_batch,
        hint="declare a demo incident: muster declare --title 'Checkout failing' "
        "--impact critical --urgency high --service payments-api"
        if embedded
        else None,
    )
    argv = [
        "worker",
        # One name per process: Celery's default (celery@host) is shared by every worker on a
        # host, and on RabbitMQ a second worker with the name dies on its exclusive control queue.
        "--hostname",
        f"muster-{os.getpid()}@%h",
        "--pool",
        "threads",
        "--concurrency",
        str(concurrency),
        "--loglevel",
        loglevel,
        "--without-gossip",
        "--without-mingle",
    ]
    from muster.worker.observe import exporter
    from muster.worker.observe.liveness import worker_liveness

    # The worker's liveness row, kept while its consumer consumes; the beat on a thread of this
    # process (not Celery's forked child), so one metrics endpoint serves both.
    app.steps["consumer"].add(worker_liveness(rt.database))
    if beat:
        from muster.worker.broker.beat import ThreadedBeat

        app.steps["worker"].add(ThreadedBeat)
    exporter.serve(rt.settings)
    if web:
        from muster.worker.web.server import serve_in_thread

        serve_in_thread("127.0.0.1", _port(), rt.settings)
    from muster.worker.broker.consumed_marks import flush
    from muster.worker.deliveries.recorder import drain

    try:
        app.worker_main(argv)
    finally:
        # Tasks hand their sends to the sending pool and return, so Celery's warm shutdown
        # does not wait for them: let those on the wire land and be recorded first, and the
        # embedded broker's consumed marks be written.
        drain(rt, DRAIN_SECONDS)
        flush(rt, DRAIN_SECONDS)


@click.command("beat")
@click.option("--loglevel", default="INFO", show_default=True)
def beat(loglevel: str) -> None:
    """Run beat, the periodic scheduler: run two, on different hosts, so losing one stops no
    timer (the scan and the sweeper are safe to repeat; see docs/operations/production.md)."""
    from muster.config.settings import Settings
    from muster.worker.log_setup import configure_logging
    from muster.worker.observe import exporter
    from muster.worker.tasks.registry import worker_app

    configure_logging(loglevel)
    settings = Settings()
    app = worker_app(settings)
    require_usable_broker(app)
    exporter.serve(settings)
    app.start(["beat", "--loglevel", loglevel])


@click.group("db")
def db() -> None:
    """The database schema."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Create or upgrade the schema to the latest migration."""
    from muster.config.settings import Settings
    from muster.worker.store.db import Database, database_url

    Database.connect(database_url(Settings()), migrate=True)
    click.echo("database schema is current")


@click.command("timeline")
@click.argument("incident_id")
@click.option(
    "--format",
    "output",
    type=click.Choice(["markdown", "json"]),
    default="markdown",
    show_default=True,
)
def timeline(incident_id: str, output: str) -> None:
    """Export INCIDENT_ID's whole timeline: the starting point of the incident review."""
    from muster.config.settings import Settings
    from muster.config.watch import ConfigSource
    from muster.worker.cli.reading import read_only_database
    from muster.worker.core.rendering.review import review_data, review_markdown
    from muster.worker.reports import review_facts
    from muster.worker.store.good_config import DatabaseKeeper

    # Read only: no write lock (the worker may hold it), no migration, no config kept.
    settings = Settings()
    database = read_only_database(settings)
    keeper = DatabaseKeeper(database.engine, writes=False)
    config = runtime_or_exit(lambda: ConfigSource(settings.config, keeper=keeper), "timeline")
    try:
        with database.sessions() as session:
            facts = review_facts(session, config.current().routing, incident_id)
    finally:
        database.engine.dispose()
    if facts is None:
        raise click.UsageError(f"no incident {incident_id!r}")
    click.echo(dumps(review_data(facts)) if output == "json" else review_markdown(facts), nl=False)


@click.command("web")
@click.option("--host", default="127.0.0.1", show_default=True, help="0.0.0.0 to serve others")
@click.option("--port", type=int, default=_port, show_default="$PORT or 8080")
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Processes sharing the port: three a core (each waits on the broker, off its core).",
)
def web(host: str, port: int, workers: int) -> None:
    """Serve the web intake: webhooks, the contract over HTTP, Acknowledge links, health."""
    from muster.config.settings import Settings
    from muster.config.watch import NoGoodConfig
    from muster.worker.log_setup import configure_logging
    from muster.worker.web.context import config_source
    from muster.worker.web.server import serve

    configure_logging()
    try:
        if workers > 1:
            config_source(Settings())  # each process loads its own: refuse here, once, clearly
        serve(host, port, workers=workers)
    except NoGoodConfig as unusable:
        click.echo(f"muster web: cannot start: {unusable}", err=True)
        raise SystemExit(1) from None


@click.command("ack-server", hidden=True)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8080, show_default=True)
@click.pass_context
def ack_server(context: click.Context, host: str, port: int) -> None:
    """Former name of ``muster web`` (which serves the Acknowledge links now)."""
    context.invoke(web, host=host, port=port)
