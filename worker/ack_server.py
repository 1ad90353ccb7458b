"""The acknowledgement endpoint behind the ``Acknowledge`` link in every email and chat page.

GET shows a one-button confirmation page (link scanners and chat unfurlers fetch links; they
must not acknowledge anything), POST acknowledges by queuing the contract's
``muster.incident.acknowledged`` message for the person the signed token names. It is a plain
WSGI application: ``muster ack-server`` serves it for small setups; in production run
``worker.ack_server:application`` under any WSGI server behind TLS.

The token in a link's path acknowledges for its person, so it is a credential: muster's own
server logs each request with the token masked, never the path as it came.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable
from socketserver import ThreadingMixIn
from typing import Any, Protocol
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import structlog

from muster.config.settings import Settings
from muster.config.watch import ConfigSource
from muster.worker.client import Client
from muster.worker.core.ack_tokens import verify
from muster.worker.core.masking import MASK

log = structlog.get_logger("muster.ack_server")

StartResponse = Callable[[str, list[tuple[str, str]]], Any]


class Acknowledger(Protocol):
    """What the endpoint needs from a producer: ``Client.acknowledge``."""

    def acknowledge(self, incident_id: str, *, person: str, role: str | None = None) -> str: ...


class AckApp:
    """The WSGI application; ``secret`` gives the current signing secret (None: links off)."""

    def __init__(
        self, secret: Callable[[], str | None], client: Callable[[], Acknowledger]
    ) -> None:
        self.secret = secret
        self.client = client

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = str(environ.get("PATH_INFO", ""))
        method = str(environ.get("REQUEST_METHOD", "GET"))
        if path == "/healthz":
            return _reply(start_response, "200 OK", "ok", "text/plain")
        secret = self.secret()
        token = path.rstrip("/").rsplit("/", 1)[-1]
        found = verify(secret, token) if secret else None
        if found is None:
            return _reply(start_response, "404 Not Found", _page("Unknown or expired link."))
        incident_id, person = found
        who, what = html.escape(person), html.escape(incident_id)
        if method == "GET":
            form = (
                f"<p>Acknowledge incident <b>{what}</b> as <b>{who}</b>? This stops your "
                "escalation for this incident.</p><form method='post'>"
                "<button type='submit'>Acknowledge</button></form>"
            )
            return _reply(start_response, "200 OK", _page(form))
        if method != "POST":
            return _reply(start_response, "405 Method Not Allowed", _page("Use the button."))
        self.client().acknowledge(incident_id, person=person)
        log.info("ack.link_used", incident_id=incident_id, person=person)
        return _reply(
            start_response, "200 OK", _page(f"Acknowledged: <b>{what}</b> as <b>{who}</b>.")
        )


def _page(body: str) -> str:
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>muster</title>"
        f"<meta name='viewport' content='width=device-width'></head><body>{body}</body></html>"
    )


def _reply(
    start_response: StartResponse,
    status: str,
    body: str,
    content_type: str = "text/html; charset=utf-8",
) -> list[bytes]:
    data = body.encode()
    start_response(
        status,
        [
            ("Content-Type", content_type),
            ("Content-Length", str(len(data))),
            ("Cache-Control", "no-store"),
            ("X-Frame-Options", "DENY"),
        ],
    )
    return [data]


_LONG_SEGMENT = re.compile(r"(?<=/)[^\s/\"'?#]{16,}")


def masked_path(path: str) -> str:
    """A request path fit for a log: its last segment (where a link's token is) masked, and
    the query left out; ``/healthz`` as it is."""
    base = path.split("?", 1)[0].rstrip("/")
    head, _, last = base.rpartition("/")
    if not last or base == "/healthz":
        return base or "/"
    return f"{head}/{MASK}"


def mask_path_segments(text: str) -> str:
    """Free text about a request (an unparsable request line quoted in an error), with every
    path segment long enough to be a token masked."""
    return _LONG_SEGMENT.sub(MASK, text)


class MaskedRequestHandler(WSGIRequestHandler):
    """wsgiref's request handler, logging through muster's logs with tokens masked: its own
    access line prints the request line, token and all, to stderr."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """One line per answered request: who, what (masked), the status and the size."""
        command, path = getattr(self, "command", None), getattr(self, "path", None)
        if command and path is not None:
            request = f"{command} {masked_path(path)}"
        else:
            request = mask_path_segments(getattr(self, "requestline", ""))
        log.info(
            "ack_server.request",
            client=self.client_address[0],
            request=request,
            status=int(code) if not isinstance(code, str) or code.isdigit() else code,
            size=size,
        )

    def log_message(self, format: str, *args: Any) -> None:
        """What wsgiref reports otherwise (a request it could not parse, a timeout), masked."""
        log.warning(
            "ack_server.http_error",
            client=self.client_address[0],
            message=mask_path_segments(format % args),
        )


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


def make_ack_server(host: str, port: int, app: AckApp) -> WSGIServer:
    """A threaded wsgiref server for ``app`` whose request log masks tokens."""
    return make_server(
        host, port, app, server_class=_ThreadingServer, handler_class=MaskedRequestHandler
    )


def serve(host: str, port: int) -> None:
    """Serve the endpoint as deployed (``muster ack-server``) until interrupted."""
    with make_ack_server(host, port, from_environment()) as server:
        log.info("ack_server.listening", host=host, port=port)
        server.serve_forever()


def from_environment() -> AckApp:
    """The endpoint as deployed: secret from the served config, acks through the broker."""
    config = ConfigSource(Settings().config)
    clients: list[Client] = []

    def secret() -> str | None:
        ack = config.current().routing.config.ack
        return ack.secret if ack else None

    def client() -> Client:
        if not clients:
            clients.append(Client())
        return clients[0]

    return AckApp(secret, client)


def application(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
    """WSGI entry point for production servers (``worker.ack_server:application``)."""
    global _deployed  # noqa: PLW0603 - built on first request, once per process
    if _deployed is None:
        _deployed = from_environment()
    return _deployed(environ, start_response)


_deployed: AckApp | None = None
