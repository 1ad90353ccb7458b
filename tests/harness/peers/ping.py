"""A healthchecks.io-like check on 127.0.0.1: counts the GETs of its one ping URL."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

CHECK_TOKEN = "5f2b8c1e-0d1a-4c5e-9b7a-3e6f1d2c4b8a"  # the check's id, a credential in its URL


class PingPeer:
    """Records each ping's path; answers ``status`` (200 unless told otherwise)."""

    def __init__(self) -> None:
        self.pings: list[str] = []
        self.status = 200
        peer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                peer.pings.append(self.path)
                self.send_response(peer.status)
                self.end_headers()
                self.wfile.write(b"OK")

            def log_message(self, *_: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        """The check's ping URL, its token in the path."""
        return f"http://127.0.0.1:{self.server.server_port}/ping/{CHECK_TOKEN}"

    def stop(self) -> None:
        """Stop listening (idempotent enough for tests: a second call does nothing)."""
        if self.thread.is_alive():
            self.server.shutdown()
            self.server.server_close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()
