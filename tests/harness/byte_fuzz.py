"""What the byte-level fuzz of the web sends: any bytes as a body, any header values, any method,
on every route of the app (with credentials that get past authentication, and near-valid ack
tokens) and on paths it does not have; and the config under which every route is live.

The in-process fuzz (tests/worker/web/test_byte_fuzz.py) and the one against a real ``muster web``
process (tests/integration/test_web_fuzz.py) draw from the same strategies, so a body that
broke one is tried on the other.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import quote

from hypothesis import strategies as st

from muster.worker.core.intake.ack_tokens import sign
from muster.worker.web.app import ROUTED
from tests.harness.web_app import ACK_SECRET, ISSUED, SCRIPT_TOKEN, TOKEN, intake_document

SIGNED_TOKEN = "signed-caller-token-0123456789"
SILENCER_TOKEN = "silencer-token-0123456789abcdef"
BEARER, SIGNED = f"Bearer {TOKEN}".encode(), f"Bearer {SIGNED_TOKEN}".encode()
FORM = {"content-type": b"application/x-www-form-urlencoded"}
PARAMETER = re.compile(r"\{[^}]+\}")
CONTRACT = [
    {"title": "API down", "impact": "major", "urgency": "high", "services": ["api"]},
    {"incident_id": "inc-1", "kind": "note", "text": "t"},
    {"incident_id": "inc-1", "kind": "engage", "text": "t", "people": ["ann"]},
    {"incident_id": "inc-1", "person": "ann"},
    {"fingerprint": "fp-1"},
    {"version": "4", "status": "firing", "groupKey": "g", "alerts": []},
    {"services": ["api"], "match": {"env": "prod"}, "for": "2h", "reason": "reindex"},
]


def fuzz_document() -> dict[str, Any]:
    """Every route live: a signing caller, a silencer, SMS replies, a heartbeat monitor."""
    document = intake_document(defaults={"impact": "minor", "urgency": "low"}, sms_replies=True)
    document["intake"]["callers"]["signed"] = {
        "token": SIGNED_TOKEN,
        "signature": {"secret": "a-signing-secret-0123456789", "timestamp_header": "X-Time"},
    }
    document["intake"]["callers"]["silencer"] = {"token": SILENCER_TOKEN, "scopes": ["silence"]}
    document["people"]["ann"]["sms"] = "+353850000001"
    document["contacts"]["sms"] = "json://127.0.0.1:9/sms/{sms}"
    document["heartbeats"] = {"nightly": {"every": "1d", "impact": "minor", "urgency": "low"}}
    return document


def routes() -> list[tuple[str, str]]:
    """Every method and path the app routes (its parameters as placeholders)."""
    found = {
        (method, str(route.path))
        for module in ROUTED
        for route in module.router.routes
        for method in getattr(route, "methods", None) or ["GET"]
    }
    return sorted({*found, ("GET", "/openapi.json")})


segment = st.text(max_size=40).map(lambda text: quote(text, safe=""))
ACK_PAYLOAD = sign(ACK_SECRET, "inc-1", "ann", ISSUED).rpartition(".")[0]
"""A real ack token's payload, to pair with any signature."""
tokens = st.one_of(
    st.sampled_from(
        [sign(ACK_SECRET, "inc-1", "ann", ISSUED), sign(ACK_SECRET, "digest/d-1", "ann", ISSUED)]
    ),
    segment.map(lambda mac: f"{ACK_PAYLOAD}.{mac}"),  # a token's own payload, any signature
    segment,
)


def filled(template: str) -> st.SearchStrategy[str]:
    """``template`` with any text as its parameter (an ack token: near-valid ones too)."""
    value = tokens if template.startswith("/ack/") else segment
    return value.map(lambda text: PARAMETER.sub(text, template))


header_bytes = st.binary(max_size=80).filter(lambda raw: not set(raw) & {0, 10, 13})
credentials = st.one_of(
    st.sampled_from(
        [
            f"Bearer {TOKEN}",
            f"Bearer {SCRIPT_TOKEN}",
            f"Bearer {SIGNED_TOKEN}",
            f"Bearer {SILENCER_TOKEN}",
            "Basic !!",
        ]
    ).map(str.encode),
    header_bytes,
)
content_types = st.one_of(
    st.sampled_from(
        [
            b"application/json",
            b"application/x-www-form-urlencoded",
            b"multipart/form-data; boundary=x",
            b"multipart/form-data",
            b"text/plain; charset=utf-16",
        ]
    ),
    header_bytes,
)
OPTIONAL_HEADERS = {
    "content-type": content_types,
    "x-time": header_bytes,
    "x-signature-256": header_bytes,
    "accept": header_bytes,
    "x-anything": header_bytes,
}
bodies = st.one_of(
    st.binary(max_size=2048),
    st.sampled_from(CONTRACT).map(lambda message: json.dumps(message).encode()),
    st.tuples(st.sampled_from(CONTRACT), st.binary(max_size=8)).map(
        lambda pair: json.dumps(pair[0]).encode()[:-1] + pair[1]
    ),
)
any_method = st.one_of(
    st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]),
    st.from_regex(r"\A[A-Z]{1,12}\Z"),
)
any_path = st.text(max_size=60).map(lambda text: "/" + quote(text, safe="/"))


@st.composite
def requests(draw: st.DrawFn) -> tuple[str, str, dict[str, bytes]]:
    """A method, path and headers: mostly a route's own method with credentials, so that
    bodies get past authentication; else anything."""
    if draw(st.booleans()):
        method, template = draw(st.sampled_from(routes()))
        path = draw(filled(template))
        headers = draw(
            st.fixed_dictionaries({"authorization": credentials}, optional=OPTIONAL_HEADERS)
        )
        return method, path, headers
    optional = {"authorization": credentials, **OPTIONAL_HEADERS}
    headers = draw(st.fixed_dictionaries({}, optional=optional))
    return draw(any_method), draw(any_path), headers
