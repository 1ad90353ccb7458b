"""``muster config check`` and the secrets of a config: written literally they are warnings (exit
2 under ``--strict``), and two callers sharing one token is an error. What it prints names the
place, never the value."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.harness.config_check import check
from tests.harness.configs import DEMO, minimal_document

pytestmark = pytest.mark.wallclock  # the lint judges gaps in rotations "now"

TOKEN = "a-literal-caller-token-0123"
SECRET = "a-literal-signing-secret-4567"
HOOK = "0123456789abcdef0123"  # a webhook token in a URL path


def document(**sections: Any) -> dict[str, Any]:
    written = minimal_document()
    written.update(sections)
    return written


LITERALS = {
    "intake.callers.grafana.token": document(intake={"callers": {"grafana": {"token": TOKEN}}}),
    "intake.callers.grafana.signature.secret": document(
        intake={"callers": {"grafana": {"token": "${T}", "signature": {"secret": SECRET}}}}
    ),
    "ack.secret": document(ack={"url": "https://muster.test/ack", "secret": SECRET}),
    "calendar.secret": document(calendar={"url": "https://muster.test", "secret": SECRET}),
    "broadcasts.incident_room": document(
        broadcasts={"incident_room": f"json://hooks.example.com/hook/{HOOK}"}
    ),
}


class TestLiteralSecrets:
    @pytest.mark.parametrize("where", list(LITERALS))
    def test_a_literal_secret_is_a_warning_naming_its_place(
        self, write_config: Callable[..., Path], where: str
    ) -> None:
        result = check(str(write_config(LITERALS[where])), env={"T": "x" * 20})
        assert result.exit_code == 0, result.output
        assert f"warning: {where}: " in result.stderr
        assert "written literally" in result.stderr
        for value in (TOKEN, SECRET, HOOK):
            assert value not in result.output

    @pytest.mark.parametrize("where", list(LITERALS))
    def test_strict_fails_on_a_literal_secret(
        self, write_config: Callable[..., Path], where: str
    ) -> None:
        result = check("--strict", str(write_config(LITERALS[where])), env={"T": "x" * 20})
        assert result.exit_code == 2, result.output

    def test_secrets_from_the_environment_are_no_warning(
        self, write_config: Callable[..., Path]
    ) -> None:
        written = document(
            intake={
                "callers": {
                    "grafana": {
                        "token": "${T}",
                        "signature": {"secret": "${S}", "timestamp_header": "X-Time"},
                        "scopes": ["alerts"],
                    }
                }
            },
            ack={"url": "https://muster.test/ack", "secret": "${S}"},
            broadcasts={"incident_room": "json://hooks.example.com/hook/${HOOK}"},
        )
        env = {"T": TOKEN, "S": SECRET, "HOOK": HOOK}
        result = check("--strict", str(write_config(written)), env=dict(env))
        assert result.exit_code == 0, result.output
        assert result.stderr == ""

    def test_the_demo_passes_with_a_warning_for_each_literal_secret(self) -> None:
        """The demo keeps literal values so ``make run`` needs no environment: plain ``config
        check`` passes it and says what a real deployment must not copy; ``--strict`` does not."""
        result = check(str(DEMO))
        assert result.exit_code == 0, result.output
        assert "(2 warnings)" in result.stdout
        assert "warning: intake.callers.demo.token: " in result.stderr
        assert "warning: ack.secret: " in result.stderr
        assert check("--strict", str(DEMO)).exit_code == 2


class TestSharedCallerTokens:
    def test_two_callers_sharing_a_token_is_an_error_naming_both(
        self, write_config: Callable[..., Path]
    ) -> None:
        callers = {"grafana": {"token": TOKEN}, "scripts": {"token": TOKEN}}
        result = check(str(write_config(document(intake={"callers": callers}))))
        assert result.exit_code == 1
        assert "error: intake.callers.scripts.token: " in result.stderr
        assert "'grafana'" in result.stderr
        assert TOKEN not in result.output

    def test_the_same_token_through_two_variables_is_an_error_too(
        self, write_config: Callable[..., Path]
    ) -> None:
        callers = {"grafana": {"token": "${A}"}, "scripts": {"token": "${B}"}}
        path = write_config(document(intake={"callers": callers}))
        result = check(str(path), env={"A": TOKEN, "B": TOKEN})
        assert result.exit_code == 1
        assert "error: intake.callers.scripts.token: " in result.stderr
        assert TOKEN not in result.output

    def test_callers_with_their_own_tokens_pass(self, write_config: Callable[..., Path]) -> None:
        callers = {
            "grafana": {"token": "${A}", "scopes": ["alerts"]},
            "scripts": {"token": "${B}", "scopes": ["declare"]},
        }
        path = write_config(document(intake={"callers": callers}))
        assert check("--strict", str(path), env={"A": TOKEN, "B": SECRET}).exit_code == 0


def signing(signature: dict[str, str]) -> dict[str, Any]:
    return document(
        intake={
            "callers": {"grafana": {"token": "${T}", "signature": {"secret": "${S}", **signature}}}
        }
    )


def test_a_caller_signing_without_a_timestamp_is_warned_replayable(
    write_config: Callable[[dict[str, Any]], Path],
) -> None:
    path = write_config(signing({}))
    result = check(str(path), env={"T": TOKEN, "S": SECRET})
    assert result.exit_code == 0
    assert "intake.callers.grafana.signature" in result.stderr
    assert "replayed" in result.stderr
    assert check("--strict", str(path), env={"T": TOKEN, "S": SECRET}).exit_code == 2


def test_a_caller_signing_with_a_timestamp_is_not_warned(
    write_config: Callable[[dict[str, Any]], Path],
) -> None:
    path = write_config(signing({"timestamp_header": "X-Grafana-Alerting-Timestamp"}))
    result = check(str(path), env={"T": TOKEN, "S": SECRET})
    assert "replayed" not in result.stderr
