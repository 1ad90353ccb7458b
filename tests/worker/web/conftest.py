"""The web's fixtures: its app over a real config file and a recording publisher
(:mod:`tests.harness.web_app`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.harness.web_app import Web, serve_web


@pytest.fixture
def make_web(tmp_path: Path) -> Iterator[Callable[..., Web]]:
    """A web app serving the given config document (written and loaded like ops' files)."""
    clients = []

    def make(document: dict[str, Any] | None = None, **options: Any) -> Web:
        web = serve_web(tmp_path / "routing.yaml", document, **options)
        clients.append(web.client)
        return web

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def web(make_web: Callable[..., Web]) -> Web:
    return make_web()
