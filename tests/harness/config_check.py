"""``muster config check`` run as ops run it, through the CLI, for the tests that specify what it
prints and its exit code (errors, warnings, secrets, scopes)."""

from __future__ import annotations

from click.testing import CliRunner, Result

from muster.worker.cli import cli


def check(*args: str, env: dict[str, str | None] | None = None) -> Result:
    """Run ``muster config check ARGS`` in ``env`` (None unsets a variable)."""
    return CliRunner().invoke(cli, ["config", "check", *args], env=env or {})
