"""Every /v1 route needs a caller's bearer token; signing callers need a valid signature."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from httpx import Response

from muster.worker.core.intake.signed_stamps import FUTURE_SKEW
from muster.worker.store.db import make_engine, upgrade
from muster.worker.store.seen_signatures import DatabaseSeenSignatures
from muster.worker.web.replays import MemorySeenSignatures
from tests.harness.logs import captured_logs
from tests.harness.web_app import NOW, TOKEN, Web, intake_document, on_event_loop

DECLARATION = {"title": "API down", "impact": "major", "urgency": "high", "services": ["api"]}
GRAFANA_SECRET = "grafana-hmac-secret-0123456789"


class TestBearerTokens:
    @pytest.mark.parametrize(
        "headers",
        [{}, {"Authorization": "Bearer wrong-token-0123456789"}, {"Authorization": TOKEN}],
        ids=["none", "wrong", "no-scheme"],
    )
    def test_a_missing_or_wrong_token_is_401_and_queues_nothing(
        self, web: Web, headers: dict[str, str]
    ) -> None:
        answer = web.client.post("/v1/messages/declared", json=DECLARATION, headers=headers)
        assert answer.status_code == 401
        assert answer.headers["www-authenticate"] == "Bearer"
        assert web.publisher.sent == []

    def test_no_configured_callers_means_no_intake(self, make_web: Callable[..., Web]) -> None:
        """Without intake.callers nobody can queue: the reason says what to add."""
        document = intake_document()
        del document["intake"]
        answer = make_web(document).post("/v1/messages/declared", DECLARATION)
        assert answer.status_code == 401
        assert "intake.callers" in answer.json()["detail"]

    def test_the_token_is_never_in_the_answer_or_the_logs(self, web: Web) -> None:
        with captured_logs() as logs:
            web.post("/v1/messages/declared", DECLARATION, token="wrong-token-0123456789")
            web.post("/v1/messages/declared", DECLARATION)
        assert "token-0123456789" not in repr(logs)


def signed(body: bytes, stamp: str | None) -> str:
    message = body if stamp is None else stamp.encode() + b":" + body
    return hmac.new(GRAFANA_SECRET.encode(), message, hashlib.sha256).hexdigest()


def stamp_at(seconds_from_now: float = 0) -> str:
    """A timestamp header's value: Unix seconds, relative to the web's clock."""
    return str(int(NOW.timestamp() + seconds_from_now))


def grafana_document(stamped: bool = True) -> dict[str, Any]:
    document = intake_document()
    signature: dict[str, Any] = {"secret": GRAFANA_SECRET}
    if stamped:
        signature["timestamp_header"] = "X-Grafana-Alerting-Timestamp"
    document["intake"]["callers"]["grafana"] = {
        "token": "grafana-token-0123456789",
        "signature": signature,
    }
    return document


def post_signed(web: Web, body: bytes, signature: str | None, stamp: str | None) -> Response:
    headers = {
        "Authorization": "Bearer grafana-token-0123456789",
        "Content-Type": "application/json",
    }
    if signature is not None:
        headers["X-Grafana-Alerting-Signature"] = signature
    if stamp is not None:
        headers["X-Grafana-Alerting-Timestamp"] = stamp
    return web.client.post("/v1/messages/declared", content=body, headers=headers)


BODY = json.dumps(DECLARATION).encode()


class TestSignatures:
    @pytest.fixture
    def grafana(self, make_web: Callable[..., Web]) -> Web:
        return make_web(grafana_document())

    def send(self, web: Web, signature: str | None, stamp: str | None) -> int:
        return post_signed(web, BODY, signature, stamp).status_code

    def test_a_correctly_signed_body_is_accepted(self, grafana: Web) -> None:
        stamp = stamp_at()
        assert self.send(grafana, signed(BODY, stamp), stamp) == 202

    def test_a_missing_wrong_or_stale_signature_is_401(self, grafana: Web) -> None:
        now, stale = stamp_at(), stamp_at(-3600)
        assert self.send(grafana, None, now) == 401
        assert self.send(grafana, signed(BODY + b" ", now), now) == 401
        assert self.send(grafana, signed(BODY, stale), stale) == 401
        assert self.send(grafana, signed(BODY, now), None) == 401
        assert grafana.publisher.sent == []

    def test_a_wrongly_signed_body_that_is_not_json_is_401(self, grafana: Web) -> None:
        """The signature is checked over the bytes before they are parsed."""
        now = stamp_at()
        assert post_signed(grafana, b'{"title": ', signed(b"other", now), now).status_code == 401

    def test_a_correctly_signed_body_that_is_not_json_is_422(self, grafana: Web) -> None:
        now = stamp_at()
        body = b'{"title": '
        assert post_signed(grafana, body, signed(body, now), now).status_code == 422


class TestSignatureTimestamps:
    """A stamp is believed only if finite and from the last max_age (5 min) to 30 s ahead."""

    @pytest.fixture
    def grafana(self, make_web: Callable[..., Web]) -> Web:
        return make_web(grafana_document())

    @pytest.mark.parametrize(
        "stamp", ["nan", "NaN", "inf", "-inf", "infinity", "1e400", "", "soon", "-5", "1e3"]
    )
    def test_a_stamp_that_is_not_unix_seconds_is_401(self, grafana: Web, stamp: str) -> None:
        answer = post_signed(grafana, BODY, signed(BODY, stamp), stamp)
        assert answer.status_code == 401
        assert "malformed timestamp" in answer.json()["detail"]
        assert grafana.publisher.sent == []

    def test_a_stamp_more_than_30_s_ahead_is_401(self, grafana: Web) -> None:
        ahead = stamp_at(FUTURE_SKEW + 2)
        answer = post_signed(grafana, BODY, signed(BODY, ahead), ahead)
        assert answer.status_code == 401
        assert "in the future" in answer.json()["detail"]

    def test_a_stamp_a_few_seconds_ahead_is_accepted(self, grafana: Web) -> None:
        ahead = stamp_at(5)
        assert post_signed(grafana, BODY, signed(BODY, ahead), ahead).status_code == 202

    def test_a_stamp_older_than_max_age_is_401(self, grafana: Web) -> None:
        old = stamp_at(-301)
        answer = post_signed(grafana, BODY, signed(BODY, old), old)
        assert answer.status_code == 401
        assert "too old" in answer.json()["detail"]

    def test_a_stamp_just_within_max_age_is_accepted(self, grafana: Web) -> None:
        recent = stamp_at(-299)
        assert post_signed(grafana, BODY, signed(BODY, recent), recent).status_code == 202


class TestReplays:
    def test_the_same_signed_request_twice_is_401_the_second_time(
        self, make_web: Callable[..., Web]
    ) -> None:
        grafana = make_web(grafana_document())
        stamp = stamp_at()
        assert post_signed(grafana, BODY, signed(BODY, stamp), stamp).status_code == 202
        again = post_signed(grafana, BODY, signed(BODY, stamp), stamp)
        assert again.status_code == 401
        assert "already accepted" in again.json()["detail"]
        assert len(grafana.publisher.sent) == 1

    def test_the_same_body_signed_again_later_is_accepted(
        self, make_web: Callable[..., Web]
    ) -> None:
        """Monitoring re-sending an alert signs it anew: that is no replay."""
        grafana = make_web(grafana_document())
        first, later = stamp_at(-10), stamp_at()
        assert post_signed(grafana, BODY, signed(BODY, first), first).status_code == 202
        assert post_signed(grafana, BODY, signed(BODY, later), later).status_code == 202

    def test_a_retry_of_a_request_the_broker_did_not_take_is_accepted(
        self, make_web: Callable[..., Web]
    ) -> None:
        """A 503 queued nothing: monitoring's retry of the same signed request must page."""
        grafana = make_web(grafana_document())
        stamp = stamp_at()
        grafana.publisher.broker_down = True
        assert post_signed(grafana, BODY, signed(BODY, stamp), stamp).status_code == 503
        grafana.publisher.broker_down = False
        assert post_signed(grafana, BODY, signed(BODY, stamp), stamp).status_code == 202
        assert post_signed(grafana, BODY, signed(BODY, stamp), stamp).status_code == 401

    def test_a_replay_to_another_web_process_sharing_the_database_is_401(
        self, make_web: Callable[..., Web], tmp_path: Path
    ) -> None:
        url = f"sqlite:///{tmp_path / 'muster.db'}"
        upgrade(make_engine(url))
        one = make_web(grafana_document(), seen=DatabaseSeenSignatures(make_engine(url)))
        two = make_web(grafana_document(), seen=DatabaseSeenSignatures(make_engine(url)))
        stamp = stamp_at()
        assert post_signed(one, BODY, signed(BODY, stamp), stamp).status_code == 202
        assert post_signed(two, BODY, signed(BODY, stamp), stamp).status_code == 401
        assert two.publisher.sent == []

    def test_a_retry_through_the_database_store_after_a_503_is_accepted(
        self, make_web: Callable[..., Web], tmp_path: Path
    ) -> None:
        url = f"sqlite:///{tmp_path / 'muster.db'}"
        upgrade(make_engine(url))
        one = make_web(grafana_document(), seen=DatabaseSeenSignatures(make_engine(url)))
        two = make_web(grafana_document(), seen=DatabaseSeenSignatures(make_engine(url)))
        stamp = stamp_at()
        one.publisher.broker_down = True
        assert post_signed(one, BODY, signed(BODY, stamp), stamp).status_code == 503
        assert post_signed(two, BODY, signed(BODY, stamp), stamp).status_code == 202

    def test_the_store_is_written_off_the_event_loop(self, make_web: Callable[..., Web]) -> None:
        """The store is a database write (SQLite may wait for the worker's lock): it must not
        stall every other request waiting on the event loop."""
        where: list[bool] = []

        class Recording(MemorySeenSignatures):
            def first_sight(self, digest: str, expires_at: datetime, now: datetime) -> bool:
                where.append(on_event_loop())
                return super().first_sight(digest, expires_at, now)

        grafana = make_web(grafana_document(), seen=Recording())
        stamp = stamp_at()
        assert post_signed(grafana, BODY, signed(BODY, stamp), stamp).status_code == 202
        assert where == [False]

    def test_a_store_that_cannot_tell_answers_503_and_queues_nothing(
        self, make_web: Callable[..., Web], tmp_path: Path
    ) -> None:
        """No table (an unmigrated database): neither accepted blindly nor a 500."""
        url = f"sqlite:///{tmp_path / 'empty.db'}"
        grafana = make_web(grafana_document(), seen=DatabaseSeenSignatures(make_engine(url)))
        stamp = stamp_at()
        answer = post_signed(grafana, BODY, signed(BODY, stamp), stamp)
        assert answer.status_code == 503
        assert grafana.publisher.sent == []
