"""No web caller can make another's alerts join its incident: a caller's fingerprints are its
own, and muster's own namespaces (alert groups, heartbeats, their declaration ids) are 422."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from muster.worker.core.decisions.heartbeats import fingerprint as heartbeat_fingerprint
from muster.worker.core.decisions.heartbeats import incident_id as heartbeat_incident
from muster.worker.core.intake.alerts import AlertWebhook, declaration_id, group_fingerprint
from muster.worker.web.metrics import REFUSED
from tests.harness.alert_bodies import RULES, alert, notification
from tests.harness.web_app import SCRIPT_TOKEN, Web, intake_document

DECLARATION = {"title": "Harmless", "impact": "minor", "urgency": "low", "services": ["api"]}
GROUP = notification(alert("ApiDown", severity="page"))


@pytest.fixture
def web(make_web: Callable[..., Web]) -> Web:
    return make_web(intake_document(**RULES))


def declare_as_script(web: Web, **fields: str) -> Any:
    return web.post("/v1/messages/declared", {**DECLARATION, **fields}, token=SCRIPT_TOKEN)


class TestScoping:
    def test_a_callers_fingerprint_is_stored_as_its_own(self, web: Web) -> None:
        answer = declare_as_script(web, fingerprint="db-backup")
        assert answer.status_code == 202
        [(_, payload)] = web.publisher.sent
        assert payload["fingerprint"] == "caller:script:db-backup"

    def test_a_resolution_by_fingerprint_reaches_only_the_callers_own(self, web: Web) -> None:
        answer = web.post("/v1/messages/resolved", {"fingerprint": "db-backup"}, token=SCRIPT_TOKEN)
        assert answer.status_code == 202
        [(_, payload)] = web.publisher.sent
        assert payload == {"fingerprint": "caller:script:db-backup"}

    def test_two_callers_giving_one_fingerprint_hold_two(self, web: Web) -> None:
        declare_as_script(web, fingerprint="shared")
        web.post("/v1/messages/declared", {**DECLARATION, "fingerprint": "shared"})
        assert [p["fingerprint"] for _, p in web.publisher.sent] == [
            "caller:script:shared",
            "caller:alertmanager:shared",
        ]

    def test_a_fingerprint_too_long_once_scoped_is_422_with_the_room_left(self, web: Web) -> None:
        answer = declare_as_script(web, fingerprint="x" * 256)
        assert answer.status_code == 422
        assert "at most 242 characters" in answer.text
        assert web.publisher.sent == []


class TestReserved:
    def test_another_callers_group_fingerprint_is_422(self, web: Web) -> None:
        """A script cannot take the fingerprint of Alertmanager's group (computable from the
        group key and the caller's name): the real critical alert would join its SEV4."""
        taken = group_fingerprint("alertmanager", GROUP["groupKey"])
        refused_before = REFUSED.labels("script", "reserved")._value.get()
        answer = declare_as_script(web, fingerprint=taken)
        assert answer.status_code == 422
        assert "'alerts:' is reserved" in answer.text
        assert web.publisher.sent == []
        assert REFUSED.labels("script", "reserved")._value.get() == refused_before + 1

    def test_then_the_real_alert_declares_under_its_own_fingerprint(self, web: Web) -> None:
        taken = group_fingerprint("alertmanager", GROUP["groupKey"])
        declare_as_script(web, fingerprint=taken)
        assert web.post("/v1/alertmanager", GROUP).status_code == 202
        [(_, payload)] = web.publisher.sent
        assert payload["fingerprint"] == taken
        assert payload["source"] == "alertmanager"

    def test_a_heartbeats_fingerprint_is_422(self, web: Web) -> None:
        answer = declare_as_script(web, fingerprint=heartbeat_fingerprint("nightly-backup"))
        assert answer.status_code == 422
        assert "'heartbeat:' is reserved" in answer.text

    @pytest.mark.parametrize("given", ["Alerts:x", "HEARTBEAT:x", "caller:alertmanager:x"])
    def test_the_reserved_prefixes_in_any_case_and_caller_are_422(
        self, web: Web, given: str
    ) -> None:
        assert declare_as_script(web, fingerprint=given).status_code == 422
        assert web.post("/v1/messages/resolved", {"fingerprint": given}).status_code == 422

    def test_the_declaration_id_a_webhook_would_derive_is_422(self, web: Web) -> None:
        """Declared first, it would make the real notification a duplicate: a no-op."""
        hook = AlertWebhook.model_validate(GROUP)
        derived = declaration_id(group_fingerprint("alertmanager", hook.group_key), hook.alerts)
        answer = declare_as_script(web, incident_id=derived)
        assert answer.status_code == 422
        assert "'alert-' is reserved" in answer.text
        assert web.publisher.sent == []
        assert web.post("/v1/alertmanager", GROUP).status_code == 202
        [(_, payload)] = web.publisher.sent
        assert payload["incident_id"] == derived

    def test_a_heartbeat_misses_incident_id_is_422(self, web: Web) -> None:
        taken = heartbeat_incident("nightly-backup", datetime(2026, 12, 2, 3, tzinfo=UTC))
        answer = declare_as_script(web, incident_id=taken)
        assert answer.status_code == 422
        assert "'hb-' is reserved" in answer.text

    def test_ids_still_address_any_incident_after_its_declaration(self, web: Web) -> None:
        """Ids are addresses: a chat bot may add a note to, or resolve, an alert's incident."""
        note = {"incident_id": "alert-0123456789abcdef", "kind": "note", "text": "On it"}
        assert web.post("/v1/messages/milestone", note, token=SCRIPT_TOKEN).status_code == 202
        resolution = {"incident_id": "alert-0123456789abcdef"}
        assert web.post("/v1/messages/resolved", resolution, token=SCRIPT_TOKEN).status_code == 202
