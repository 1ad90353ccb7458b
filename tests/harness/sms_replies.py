"""SMS replies as Twilio posts them, from two paged people, with the one right code and wrong
ones: the reply-code limits are specified for one web process and for several sharing a database.
"""

from __future__ import annotations

import base64
from typing import Any

from muster.worker.core.intake.reply_codes import reply_code
from tests.harness.web_app import SCRIPT_TOKEN, StubIncidents, Web, intake_document

ANN = "+353850000001"
BEN = "+353850000002"

RIGHT = reply_code("inc-1")
WRONG = [f"{n:04d}" for n in range(20) if f"{n:04d}" != RIGHT]


def sms_document() -> dict[str, Any]:
    """The intake config with ann and ben reachable by SMS (at a port nothing listens on)."""
    document = intake_document()
    document["people"]["ann"]["sms"] = ANN
    document["people"]["ben"]["sms"] = BEN
    document["contacts"]["sms"] = "json://127.0.0.1:9/sms/{sms}"
    return document


def both_paged() -> StubIncidents:
    """inc-1, investigating, with ann and ben paged for it: a reply from either may ack it."""
    return StubIncidents(
        states={"inc-1": "investigating"}, paged={"ann": ["inc-1"], "ben": ["inc-1"]}
    )


def reply(web: Web, sender: str, body: str) -> object:
    """POST ``body`` from ``sender`` to the SMS reply route, as the script caller (Basic auth)."""
    basic = base64.b64encode(f"twilio:{SCRIPT_TOKEN}".encode()).decode()
    return web.client.post(
        "/v1/replies/sms",
        data={"From": sender, "Body": body},
        headers={"Authorization": f"Basic {basic}"},
    )
