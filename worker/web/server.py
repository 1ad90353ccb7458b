"""Serving the web app with uvicorn (``muster web``), its access log muster's own (masked).

With ``--workers N`` on Linux the supervisor imports the app's code once and forks its processes
from itself: each shares the libraries and muster's modules copy-on-write instead of importing
them again (issue 19, the web's memory: after 10,000 alerts a process has 30 MB of pages of its
own where a spawned one had 93; ``bench/web_memory_bench.py``). The app itself (its config, its
database engines, its broker client) is still built in each process, after the fork.
"""

from __future__ import annotations

import gc
import importlib
import multiprocessing
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import structlog
import uvicorn
from uvicorn.supervisors import Multiprocess

from muster.config.settings import Settings
from muster.worker.log_setup import configure_logging
from muster.worker.web.limits import ServerLimits
from muster.worker.web.listeners import ReusePortListener, balanced, check_address
from muster.worker.web.shared_counts import share_between_processes

if TYPE_CHECKING:
    from fastapi import FastAPI

OPTIONS: dict[str, Any] = {
    "access_log": False,  # muster's AccessLog masks ack tokens; uvicorn's would print them
    "log_config": None,  # keep muster's logging setup
    "server_header": False,
    # The standard library's event loop: uvloop's would add 2.3 MB to each process (its library
    # and libuv's 4 threads) for no gain a webhook of 100 alerts can measure (issue 19).
    "loop": "asyncio",
    "ws": "none",  # no route is a websocket: an upgrade request is an ordinary request
    "timeout_graceful_shutdown": 10,
}


GC_THRESHOLDS = (20_000, 20, 20)

APP_CODE = ("muster.worker.web.app", "muster.worker.web.context")
"""What building the app imports: the supervisor imports it before it forks its processes."""


def built_app(settings: Settings | None = None) -> FastAPI:
    """The app from ``settings`` (the environment's by default)."""
    from muster.worker.web.app import create_app  # noqa: PLC0415 - see APP_CODE
    from muster.worker.web.context import from_settings  # noqa: PLC0415

    app = create_app(from_settings(settings or Settings()))
    # What is loaded now lives as long as the process: keep it out of every full collection
    # (their pauses were the web's p99 in bench/intake_bench.py), and, in a forked process, its
    # pages shared with the supervisor (a collection writes to every object it visits).
    gc.freeze()
    # A 100-alert webhook allocates thousands of short-lived objects: at Python's 700 a young
    # collection ran several times a request. 5% less CPU a webhook, a few MB more at most.
    gc.set_threshold(*GC_THRESHOLDS)
    return app


def process_app() -> FastAPI:
    """The factory each of ``--workers`` processes builds its app with: a forked process first
    makes the listening socket its own; each sets up muster's logging again (a spawned one
    would otherwise drop uvicorn's lines and print muster's unformatted)."""
    from muster.worker.web.metrics import leave_when_exiting  # noqa: PLC0415

    ReusePortListener.own_in_this_process()
    configure_logging()
    leave_when_exiting()
    return built_app()


def server(host: str, port: int, settings: Settings | None = None) -> uvicorn.Server:
    """A uvicorn server of the web app, with muster's settings."""
    settings = settings or Settings()
    config = uvicorn.Config(
        built_app(settings), host=host, port=port, **OPTIONS, **_limited(settings)
    )
    return uvicorn.Server(config)


def _limited(settings: Settings) -> dict[str, Any]:
    """uvicorn's options for muster's server limits (:mod:`muster.worker.web.limits`)."""
    return ServerLimits.of(settings).uvicorn_options()


def serve(host: str, port: int, settings: Settings | None = None, workers: int = 1) -> None:
    """Serve until interrupted (SIGTERM or Ctrl-C finish the requests under way first); with
    ``workers`` > 1, that many processes share the port (one Python process uses one core),
    under uvicorn's supervisor, each with a socket of its own where the kernel can spread
    connections over them (:mod:`muster.worker.web.listeners`), forked from the supervisor
    once it has imported the app's code, and counting into one folder that ``/metrics`` of each
    sums (:mod:`muster.worker.web.metrics`)."""
    if workers > 1:
        settings = settings or Settings()
        # One view of the counts from whichever process a scrape reaches (web/metrics.py).
        share_between_processes(settings.home_folder / f"web-metrics-{port}")
        factory = "muster.worker.web.server:process_app"
        options = {**OPTIONS, **_limited(settings)}
        if not balanced(port):
            uvicorn.run(factory, factory=True, host=host, port=port, workers=workers, **options)
            return
        check_address(host, port)
        config = uvicorn.Config(
            factory, factory=True, host=host, port=port, workers=workers, **options
        )
        listener = ReusePortListener(host, port, config.backlog)
        with forking():
            Multiprocess(config, sockets=[listener]).run()
        return
    server(host, port, settings).run()


@contextmanager
def forking() -> Iterator[None]:
    """uvicorn's supervisor starts its processes by forking this one, which imports the app's
    code first and freezes it out of the collector, rather than spawning fresh interpreters
    that import it all again (uvicorn spawns: ``uvicorn._subprocess.spawn``, its one
    multiprocessing context)."""
    import uvicorn._subprocess as subprocesses  # noqa: PLC0415 - only the supervisor forks

    for module in APP_CODE:
        importlib.import_module(module)
    gc.collect()
    gc.freeze()
    spawn = subprocesses.spawn
    subprocesses.spawn = multiprocessing.get_context("fork")  # type: ignore[assignment]
    try:
        yield
    finally:
        subprocesses.spawn = spawn


def serve_in_thread(host: str, port: int, settings: Settings | None = None) -> threading.Thread:
    """Serve from a daemon thread of this process (``muster worker --web``, for ``make run``):
    it ends with the process."""
    thread = threading.Thread(
        target=server(host, port, settings).run, name="muster-web", daemon=True
    )
    thread.start()
    structlog.get_logger("muster.web").info("web.listening", url=f"http://{host}:{port}")
    return thread
