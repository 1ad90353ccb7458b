"""Every ``MUSTER_*`` setting has one home, ``muster.config.settings``, and the configuration
reference says exactly what it holds."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError, create_model

from muster.config.settings import DEMO_CONFIG, PREFIX, Settings, settings_table
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


def _pydantic_settings_twin() -> type[Any]:
    """The same fields read by pydantic-settings, as ``Settings`` once was: the reference its
    own environment reading must agree with."""
    from pydantic_settings import BaseSettings, SettingsConfigDict  # noqa: PLC0415 - test only

    class Reference(BaseSettings):
        model_config = SettingsConfigDict(
            env_prefix=PREFIX, env_ignore_empty=True, frozen=True, extra="ignore"
        )

    fields: dict[str, Any] = {
        name: (field.annotation, field) for name, field in Settings.model_fields.items()
    }
    return create_model("Settings", __base__=Reference, **fields)


ENVIRONMENTS = {
    "none set": {},
    "every kind of value": {
        "MUSTER_BROKER_URL": "redis://:pw@127.0.0.1:6379/3",
        "MUSTER_CONFIG": "/etc/muster/routing.yaml",
        "MUSTER_HOME": "relative/home",
        "MUSTER_DELIVERY_BATCH": "32",
        "MUSTER_RETRY_INITIAL": "0.25",
        "MUSTER_METRICS_PORT": "9109",
        "MUSTER_INCIDENT_WAIT": "0",
    },
    "names in any case": {"muster_queue": "lower", "Muster_Send_Threads": "3"},
    "empty values are unset": {"MUSTER_BROKER_URL": "", "MUSTER_METRICS_PORT": ""},
    "other variables are ignored": {"MUSTER_NOT_A_SETTING": "x", "HOME": "/root", "QUEUE": "q"},
    "spaces are kept": {"MUSTER_QUEUE": " spaced ", "MUSTER_SEND_THREADS": " 4 "},
    "out of bounds": {"MUSTER_DELIVERY_BATCH": "0", "MUSTER_INCIDENT_WAIT": "31"},
    "not a number": {"MUSTER_RETRY_TOTAL": "soon", "MUSTER_METRICS_PORT": "http"},
}


@pytest.mark.parametrize("environ", list(ENVIRONMENTS.values()), ids=list(ENVIRONMENTS))
@pytest.mark.parametrize("given", [{}, {"queue": "given", "home": Path("/given")}])
def test_the_environment_is_read_as_pydantic_settings_reads_it(
    environ: dict[str, str], given: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``Settings`` reads ``MUSTER_*`` without importing pydantic-settings (issue 19: the CLI's
    start); given the same fields, pydantic-settings reads every environment to the same values
    and refuses the same variables for the same reasons, and a value given wins over both."""
    for name in list(os.environ):
        if name.upper().startswith(PREFIX):
            monkeypatch.delenv(name)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    assert _read(Settings, given) == _read(_pydantic_settings_twin(), given)


def _read(reader: type[Any], given: dict[str, Any]) -> object:
    """The values ``reader`` reads, or what it refuses: each variable and why."""
    try:
        return reader(**given).model_dump()
    except ValidationError as refused:
        reasons = [(error["loc"], error["type"]) for error in refused.errors()]
        return refused.title, reasons


def test_the_command_line_does_not_import_pydantic_settings() -> None:
    """What reading the settings costs a ``muster`` command is pydantic's, nothing more."""
    code = "import sys, muster.config.settings as s; s.Settings(); print(sorted(sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "pydantic_settings" not in done.stdout
