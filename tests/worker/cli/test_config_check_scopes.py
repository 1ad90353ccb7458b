"""``muster config check`` and caller scopes: a caller that lists none may do everything, as
before scopes existed, and is warned about with the scopes its use suggests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.harness.config_check import check
from tests.harness.configs import minimal_document

pytestmark = pytest.mark.wallclock  # the lint judges gaps in rotations "now"

TOKEN = "${TOKEN}"
ENV = {"TOKEN": "a-caller-token-from-env-0123", "HMAC": "a-signing-secret-from-env-0123"}


def with_callers(callers: dict[str, Any], **intake: Any) -> dict[str, Any]:
    document = minimal_document()
    document["intake"] = {"callers": callers, **intake}
    return document


@pytest.mark.parametrize(
    ("name", "caller", "suggested"),
    [
        ("alertmanager", {"token": TOKEN}, "scopes: [alerts, heartbeats]"),
        ("grafana", {"token": TOKEN, "signature": {"secret": "${HMAC}"}}, "[alerts, heartbeats]"),
        ("deploy-bot", {"token": TOKEN}, "scopes: [declare, milestone, acknowledge, resolve]"),
        (
            "provider",
            {"token": TOKEN, "twilio": {"auth_token": "${HMAC}", "public_url": "https://m.test/"}},
            "scopes: [replies]",
        ),
    ],
)
def test_an_unscoped_caller_is_a_warning_naming_the_scopes_its_use_suggests(
    write_config: Callable[..., Path], name: str, caller: dict[str, Any], suggested: str
) -> None:
    result = check(str(write_config(with_callers({name: caller}))), env=dict(ENV))
    assert result.exit_code == 0, result.output
    assert f"warning: intake.callers.{name}: lists no scopes" in result.stderr
    assert suggested in result.stderr


def test_a_scoped_caller_is_no_warning(write_config: Callable[..., Path]) -> None:
    callers = {"alertmanager": {"token": TOKEN, "scopes": ["alerts", "heartbeats"]}}
    result = check("--strict", str(write_config(with_callers(callers))), env=dict(ENV))
    assert result.exit_code == 0, result.output
    assert result.stderr == ""


@pytest.mark.parametrize("scopes", [[], ["admin"], "alerts"])
def test_an_unknown_or_empty_scope_list_is_an_error(
    write_config: Callable[..., Path], scopes: object
) -> None:
    callers = {"alertmanager": {"token": TOKEN, "scopes": scopes}}
    result = check(str(write_config(with_callers(callers))), env=dict(ENV))
    assert result.exit_code == 1
    assert "intake.callers.alertmanager.scopes" in result.stderr


def test_a_replies_caller_vouched_for_by_its_token_alone_is_a_warning(
    write_config: Callable[..., Path],
) -> None:
    callers = {"gateway": {"token": TOKEN, "scopes": ["replies"]}}
    written = write_config(with_callers(callers, sms_replies=True))
    result = check(str(written), env=dict(ENV))
    assert "warning: intake.callers.gateway.scopes: may post SMS replies" in result.stderr


def test_a_twilio_signed_replies_caller_is_no_warning(write_config: Callable[..., Path]) -> None:
    twilio = {"auth_token": "${HMAC}", "public_url": "https://m.test/v1/replies/sms"}
    callers = {"twilio": {"token": TOKEN, "twilio": twilio, "scopes": ["replies"]}}
    written = write_config(with_callers(callers, sms_replies=True))
    result = check("--strict", str(written), env=dict(ENV))
    assert result.exit_code == 0, result.output


def test_acts_for_names_configured_people(write_config: Callable[..., Path]) -> None:
    callers = {"chat": {"token": TOKEN, "scopes": ["acknowledge"], "acts_for": ["ann", "zed"]}}
    result = check(str(write_config(with_callers(callers))), env=dict(ENV))
    assert result.exit_code == 1
    assert "intake.callers.chat.acts_for[1]" in result.stderr
