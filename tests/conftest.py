"""Fixtures shared by every test: real config files written and loaded through the loader ops
use, muster's database on SQLite, and the real protocol peers on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from muster.config.loader import LoadedConfig, load_config
from muster.worker.core.paging.routing import Routing
from muster.worker.store.db import Database
from tests.harness.configs import EXAMPLE, EXAMPLE_ENV
from tests.harness.peers import MattermostPeer, SmsPeer, SmtpPeer


@pytest.fixture
def write_config(tmp_path: Path) -> Callable[[str | dict[str, Any]], Path]:
    """Write YAML text (or a document, dumped to YAML) to a real file and return its path."""

    def write(content: str | dict[str, Any], name: str = "routing.yaml") -> Path:
        text = content if isinstance(content, str) else yaml.safe_dump(content, sort_keys=False)
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


@pytest.fixture
def load_yaml(write_config: Callable[..., Path]) -> Callable[..., LoadedConfig]:
    """Write a config file and load it through the real loader."""

    def load(content: str | dict[str, Any], environ: dict[str, str] | None = None) -> LoadedConfig:
        return load_config(write_config(content), environ or {})

    return load


@pytest.fixture(scope="session")
def example() -> Routing:
    """The shipped example config, with fake secrets in its environment."""
    return load_config(EXAMPLE, EXAMPLE_ENV).routing


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    """muster's database, migrated, in a SQLite file of the test's own (a module may override
    it, to run on PostgreSQL too)."""
    database = Database.connect(f"sqlite:///{tmp_path / 'muster.db'}")
    yield database
    database.engine.dispose()


@pytest.fixture
def smtp_peer() -> Iterator[SmtpPeer]:
    """A running :class:`SmtpPeer`, stopped after the test."""
    with SmtpPeer() as peer:
        yield peer


@pytest.fixture
def chat_peer() -> Iterator[MattermostPeer]:
    """A running :class:`MattermostPeer`, stopped after the test."""
    with MattermostPeer() as peer:
        yield peer


@pytest.fixture
def sms_peer() -> Iterator[SmsPeer]:
    """A running :class:`SmsPeer`, stopped after the test."""
    with SmsPeer() as peer:
        yield peer
