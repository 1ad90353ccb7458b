"""Every ``MUSTER_*`` setting has one home, ``muster.config.settings``, and the configuration
reference says exactly what it holds."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from muster.config.settings import DEMO_CONFIG, Settings, settings_table
from tests.harness.configs import REPO


def test_the_documented_table_is_the_settings_class() -> None:
    """The configuration reference's table of variables is the one the class renders, row for
    row (``python -m docs.tables`` writes it)."""
    reference = (REPO / "docs" / "configuration.md").read_text()
    assert settings_table() in reference


def test_no_module_but_settings_reads_a_muster_variable() -> None:
    """Nothing else in the product reads ``MUSTER_*`` from the environment."""
    readers = []
    for folder in ("worker", "channels", "config"):
        for path in (REPO / folder).rglob("*.py"):
            if path.name == "settings.py":
                continue
            for number, line in enumerate(path.read_text().splitlines(), 1):
                if re.search(r"environ(\.get)?[\[(]\s*[\"']MUSTER_", line):
                    readers.append(f"{path.relative_to(REPO)}:{number}")
    assert readers == []


def test_defaults_need_no_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in Settings.model_fields:
        monkeypatch.delenv(f"MUSTER_{name.upper()}", raising=False)
    settings = Settings()
    assert settings.broker_url is None
    assert settings.config == DEMO_CONFIG
    assert settings.queue == "muster"
    assert settings.outbox_file == Path("var") / "outbox.jsonl"


def test_an_empty_variable_is_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MUSTER_BROKER_URL", "")
    assert Settings().broker_url is None


def test_a_bad_value_names_its_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MUSTER_DELIVERY_BATCH", "0")
    with pytest.raises(ValidationError, match="delivery_batch"):
        Settings()
