"""A signal-cli REST API (``signal://``, ``POST /v2/send``, answers 201)."""

from __future__ import annotations

import time
from typing import Any, NamedTuple

from tests.harness.peers.common import HOST, SMS_SOURCE
from tests.harness.peers.http import HttpPeer, RecordedRequest, Reply


class SmsMessage(NamedTuple):
    """A text message: the recipient's E.164 number and the text."""

    to: str
    text: str


class SmsPeer(HttpPeer[SmsMessage]):
    """A signal-cli REST API (``bbernhard/signal-cli-rest-api``), as Apprise's ``signal://``
    plugin calls it: ``POST /v2/send`` with ``{"message", "number", "recipients", ...}``.

    Answers ``201 {"timestamp": ...}`` like the real API; a sender other than ``source`` gets
    400, as an unregistered number does. Apprise only checks for 200 or 201.
    """

    service = "Signal"

    def __init__(self, source: str = SMS_SOURCE, delay: float = 0.0) -> None:
        """A gateway sending from the registered number ``source``."""
        super().__init__(delay=delay)
        self.source = source

    def respond(self, method: str, path: str, payload: Any) -> Reply:
        """The signal-cli REST API's answer to a send."""
        if method != "POST" or path != "/v2/send":
            return Reply(404, b"404 page not found", "text/plain")
        if (
            not isinstance(payload, dict)
            or not isinstance(payload.get("recipients"), list)
            or not payload["recipients"]
            or not isinstance(payload.get("message"), str)
        ):
            return Reply.json(400, {"error": "Couldn't process request - invalid request"})
        if payload.get("number") != self.source:
            return Reply.json(400, {"error": f"User {payload.get('number')} is not registered."})
        return Reply.json(201, {"timestamp": str(time.time_ns() // 1_000_000)})

    def to_messages(self, request: RecordedRequest) -> list[SmsMessage]:
        """One message per recipient of an accepted send."""
        payload = request.json if isinstance(request.json, dict) else {}
        text = str(payload.get("message", ""))
        return [SmsMessage(str(to), text) for to in payload.get("recipients", [])]

    def recipients(self, payload: Any) -> list[str]:
        """The numbers a send goes to."""
        to = payload.get("recipients") if isinstance(payload, dict) else None
        return [str(number) for number in to] if isinstance(to, list) else []

    def url_template(self) -> str:
        """The ``signal://`` template sending from ``source`` to the person's ``{sms}`` number.

        Plain ``signal`` (not ``signals``) speaks http.
        """
        return f"signal://{HOST}:{self.port}/{self.source}/{{sms}}"
