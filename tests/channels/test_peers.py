"""The protocol peers, proved with real Apprise sends: what arrives, failures, throttling, logs.

These tests also pin down the Apprise 2.3 behaviour the delivery code relies on: the log lines it
emits per failure kind (to tell retryable from permanent failures), how fast it fails, and when it
throttles. If an Apprise upgrade changes any of it, a test here says so.
"""

from __future__ import annotations

import logging
import re
import socket
import time
from typing import Any

import apprise
import pytest

from muster.channels.sender import AppriseSender
from muster.channels.targets import fill_template
from muster.worker.core.rendering.render import RenderedMessage
from tests.harness.peers import (
    HttpPeer,
    MattermostPeer,
    ReceivedMail,
    SmsPeer,
    SmtpPeer,
    unthrottle,
)

pytestmark = pytest.mark.integration

# One person's addresses, by contact kind.
ADDRESSES = {"email": "ann@example.test", "chat": "alice", "sms": "+353850000001"}

PEERS = ["smtp_peer", "chat_peer", "sms_peer"]

# The contact kind (template placeholder) each peer serves.
KIND = {"smtp_peer": "email", "chat_peer": "chat", "sms_peer": "sms"}

# Far more than any of these sends takes on 127.0.0.1 (a few milliseconds), far less than a
# throttle (5.5 s) or a default timeout (4 s HTTP, 15 s SMTP).
FAST = 1.0

Peer = SmtpPeer | MattermostPeer | SmsPeer


def target(peer: Peer) -> str:
    """The peer's URL template filled with the person's address, the way muster fills it."""
    return fill_template(peer.url_template(), ADDRESSES)


def delivered(peer: Peer) -> int:
    """How many messages the peer has accepted."""
    return len(peer.messages)


def send(url: str, body: str = "page", title: str = "", **kwargs: Any) -> tuple[bool, float]:
    """Send through a fresh Apprise object; the outcome and how long notify() took."""
    apobj = apprise.Apprise()
    assert apobj.add(url), url
    start = time.monotonic()
    result = apobj.notify(body=body, title=title, **kwargs)
    return bool(result), time.monotonic() - start


def refuses_connections(port: int) -> bool:
    """Whether a TCP connect to 127.0.0.1:port is refused (nothing listens)."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=FAST):
            return False
    except ConnectionRefusedError:
        return True


# ----------------------------------------------------------------------------------------------
# What arrives


def test_smtp_peer_receives_subject_and_plain_text_body(smtp_peer: SmtpPeer) -> None:
    """A mail to the filled template arrives with its envelope, subject and exact text body."""
    body = "SEV1 inc-42: Payments API returning 500s\n\nRunbook: https://runbooks.test/pay ü"
    subject = "[SEV1] Payments API returning 500s (inc-42) - paged as SME payments-api"
    ok, _ = send(target(smtp_peer), body=body, title=subject, body_format="text")
    assert ok
    assert smtp_peer.wait_for(1) == [
        ReceivedMail("muster@example.test", ("ann@example.test",), subject, body)
    ]
    assert smtp_peer.url_template() == (
        f"mailto://127.0.0.1:{smtp_peer.port}?from=muster@example.test&to={{email}}"
    )


def test_email_is_html_unless_the_body_format_is_text(smtp_peer: SmtpPeer) -> None:
    """Without body_format="text", Apprise treats the body as HTML: the text part loses its
    newlines and the HTML part carries the body unescaped."""
    assert send(target(smtp_peer), body="line one\nline <b>two</b>", title="s")[0]
    mail = smtp_peer.wait_for(1)[0]
    assert mail.text == "line one line two"
    assert mail.html == "line one\nline <b>two</b>"


def test_email_addresses_need_a_dotted_domain(smtp_peer: SmtpPeer) -> None:
    """Apprise rejects a sender like muster@test outright, and drops such a recipient, so the
    send fails (nothing reaches the server)."""
    assert not apprise.Apprise().add(smtp_peer.url_template(sender="muster@test"))
    url = fill_template(smtp_peer.url_template(), {"email": "ann@test"})
    ok, elapsed = send(url)
    assert not ok
    assert elapsed < FAST
    assert smtp_peer.attempts == 0


def test_chat_peer_gives_each_person_their_own_destination(chat_peer: MattermostPeer) -> None:
    """Each chat handle is its own channel; the title comes first in the text (Mattermost has
    no title); the room URL posts to the broadcast channel."""
    for handle in ("alice", "bob_2", "Carol-x"):
        url = fill_template(chat_peer.url_template(), {"chat": handle})
        assert send(url, body=f"page for {handle}", title="SEV1")[0]
    assert send(chat_peer.room_url("incidents"), body="declared")[0]
    assert chat_peer.wait_for(4) == [
        ("alice", "SEV1\r\npage for alice"),
        ("bob_2", "SEV1\r\npage for bob_2"),
        ("Carol-x", "SEV1\r\npage for Carol-x"),
        ("incidents", "declared"),
    ]
    request = chat_peer.requests[0]
    assert (request.method, request.path) == ("POST", f"/hooks/{chat_peer.token}")
    assert request.headers["Content-Type"] == "application/json"
    assert chat_peer.url_template() == (
        f"mmost://127.0.0.1:{chat_peer.port}/{chat_peer.token}?to={{chat}}"
    )


@pytest.mark.parametrize("handle", ["@alice", "ann.smith", "zoë"])
def test_a_handle_apprise_cannot_address_goes_to_the_webhook_channel(
    chat_peer: MattermostPeer, handle: str
) -> None:
    """Apprise's Mattermost webhook mode only takes [A-Za-z0-9_-]+ channel names: anything else
    is dropped, the post lands in the webhook's own channel, and notify() still succeeds."""
    url = fill_template(chat_peer.url_template(), {"chat": handle})
    assert send(url, body="private page")[0]
    assert chat_peer.wait_for(1) == [("town-square", "private page")]


@pytest.mark.parametrize(
    ("name", "address", "destinations"),
    [
        ("chat_peer", "ann,bob", ["ann", "bob"]),
        ("chat_peer", "ann bob", ["ann", "bob"]),
        ("sms_peer", "+353850000001,+353850000002", ["+353850000001", "+353850000002"]),
        ("smtp_peer", "a@example.test b@example.test", ["a@example.test", "b@example.test"]),
    ],
)
def test_percent_encoding_does_not_stop_apprise_splitting_an_address(
    request: pytest.FixtureRequest, name: str, address: str, destinations: list[str]
) -> None:
    """fill_template() encodes a comma or space in an address (%2C, %20), but Apprise decodes
    the URL before splitting its target list: one address with a list delimiter reaches
    several destinations. Addresses must be validated per kind before they reach a template."""
    peer: Peer = request.getfixturevalue(name)
    url = fill_template(peer.url_template(), {KIND[name]: address})
    assert "%2C" in url or "%20" in url
    apobj = apprise.Apprise()
    assert apobj.add(url)
    unthrottle(apobj)  # Signal would otherwise wait 5.5 s before its second recipient
    assert apobj.notify(body="one page")
    if isinstance(peer, SmtpPeer):
        reached = [to for mail in peer.wait_for(1) for to in mail.rcpt_tos]
    else:
        reached = [message[0] for message in peer.wait_for(1)]
    assert sorted(reached) == destinations


def test_sms_peer_receives_the_text_for_the_number(sms_peer: SmsPeer) -> None:
    """The signal-cli REST API gets the text from the registered number to the person's."""
    assert send(target(sms_peer), body="SEV1 inc-42 Payments API 500s", title="SEV1")[0]
    assert sms_peer.wait_for(1) == [("+353850000001", "SEV1\r\nSEV1 inc-42 Payments API 500s")]
    request = sms_peer.requests[0]
    assert (request.method, request.path, request.status) == ("POST", "/v2/send", 201)
    assert request.json["number"] == sms_peer.source
    assert sms_peer.url_template() == f"signal://127.0.0.1:{sms_peer.port}/+15550000000/{{sms}}"


def test_peers_reject_what_the_real_service_rejects(
    chat_peer: MattermostPeer, sms_peer: SmsPeer
) -> None:
    """An unknown webhook token (404) or an unregistered sender (400) fails the send."""
    assert not send(f"mmost://127.0.0.1:{chat_peer.port}/wrong-token?to=alice")[0]
    assert not send(f"signal://127.0.0.1:{sms_peer.port}/+15559999999/+353850000001")[0]
    assert [r.status for r in chat_peer.requests + sms_peer.requests] == [404, 400]
    assert chat_peer.messages == []
    assert sms_peer.messages == []


def test_wait_for_fails_the_test_with_what_did_arrive(chat_peer: MattermostPeer) -> None:
    """wait_for() raises (so the test fails) when too few messages arrive in time."""
    with pytest.raises(AssertionError, match="0 of 1 Mattermost messages"):
        chat_peer.wait_for(1, timeout=0.05)


# ----------------------------------------------------------------------------------------------
# Faults


@pytest.mark.parametrize("name", PEERS)
def test_fail_next_fails_exactly_that_many_sends(request: pytest.FixtureRequest, name: str) -> None:
    """fail_next(2): the first two sends fail, the third is delivered."""
    peer: Peer = request.getfixturevalue(name)
    peer.fail_next(2)
    outcomes = [send(target(peer), body=f"attempt {n}")[0] for n in range(3)]
    assert outcomes == [False, False, True]
    assert delivered(peer) == 1


@pytest.mark.parametrize("name", PEERS)
def test_refuse_fails_every_send_to_that_recipient_only(
    request: pytest.FixtureRequest, name: str
) -> None:
    """refuse(address): every send to that person fails, for good; another's still arrives."""
    peer: Peer = request.getfixturevalue(name)
    peer.refuse(ADDRESSES[KIND[name]])
    assert [send(target(peer))[0] for _ in range(2)] == [False, False]
    other = fill_template(
        peer.url_template(), {"email": "bo@example.test", "chat": "bo", "sms": "+353850000002"}
    )
    assert send(other)[0]
    assert delivered(peer) == 1


@pytest.mark.parametrize("name", PEERS)
def test_a_down_peer_refuses_connections_and_fails_fast(
    request: pytest.FixtureRequest, name: str
) -> None:
    """set_down() closes the port (connect is refused, notify fails at once); set_up() serves
    the same port again."""
    peer: Peer = request.getfixturevalue(name)
    port = peer.port
    peer.set_down()
    assert refuses_connections(port)
    ok, elapsed = send(target(peer))
    assert not ok
    assert elapsed < FAST
    peer.set_up()
    assert peer.port == port
    assert send(target(peer))[0]
    assert delivered(peer) == 1


@pytest.mark.parametrize("name", ["chat_peer", "sms_peer"])
def test_a_server_error_fails_fast(request: pytest.FixtureRequest, name: str) -> None:
    """A 500 fails the send in milliseconds (Apprise does not retry unless ?retry= says so)."""
    peer: MattermostPeer | SmsPeer = request.getfixturevalue(name)
    peer.fail_next(1, 500)
    ok, elapsed = send(target(peer))
    assert not ok
    assert elapsed < FAST
    assert [r.status for r in peer.requests] == [500]


def test_a_slow_peer_times_out_after_rto_but_still_delivers(sms_peer: SmsPeer) -> None:
    """A reply slower than ?rto= fails the send, though the peer took the message: a retry
    after a timeout can deliver twice."""
    sms_peer.delay = 0.5
    ok, elapsed = send(target(sms_peer) + "?rto=0.2")
    assert not ok
    assert 0.2 <= elapsed < 0.2 + FAST
    assert sms_peer.wait_for(1, timeout=2) == [("+353850000001", "page")]


# ----------------------------------------------------------------------------------------------
# Throttling


@pytest.mark.parametrize(
    ("name", "default_spacing"), [("smtp_peer", 5.5), ("chat_peer", 0.02), ("sms_peer", 5.5)]
)
def test_the_same_apprise_object_spaces_requests_by_request_rate_per_sec(
    request: pytest.FixtureRequest, name: str, default_spacing: float
) -> None:
    """Apprise sleeps request_rate_per_sec between two requests of one plugin instance (5.5 s
    for E-Mail and Signal); no URL parameter changes it, the instance attribute does."""
    peer: Peer = request.getfixturevalue(name)
    apobj = apprise.Apprise()
    assert apobj.add(target(peer))
    assert apobj[0].request_rate_per_sec == default_spacing

    apobj[0].request_rate_per_sec = 0.3
    assert apobj.notify(body="one")
    start = time.monotonic()
    assert apobj.notify(body="two")
    assert time.monotonic() - start >= 0.25

    # A spacing no loaded machine's two sends come near, so the bound below tells "unthrottled"
    # from "throttled" without timing the sends themselves.
    apobj[0].request_rate_per_sec = 20.0
    unthrottle(apobj)
    start = time.monotonic()
    assert apobj.notify(body="three")
    assert apobj.notify(body="four")
    assert time.monotonic() - start < 10.0
    assert delivered(peer) == 4


def test_two_sends_through_the_same_apprise_object_are_not_throttled_for_chat(
    chat_peer: MattermostPeer,
) -> None:
    """Mattermost's own spacing is 0.02 s: the same object sends twice with no real wait."""
    apobj = apprise.Apprise()
    assert apobj.add(target(chat_peer))
    assert apobj.notify(body="one")
    start = time.monotonic()
    assert apobj.notify(body="two")
    assert time.monotonic() - start < 0.2
    assert delivered(chat_peer) == 2


@pytest.mark.parametrize("name", PEERS)
def test_a_fresh_apprise_object_per_send_is_never_throttled(
    request: pytest.FixtureRequest, name: str
) -> None:
    """The throttle lives on the plugin instance: separate Apprise objects do not wait."""
    peer: Peer = request.getfixturevalue(name)
    start = time.monotonic()
    assert send(target(peer), body="one")[0]
    assert send(target(peer), body="two")[0]
    assert time.monotonic() - start < FAST
    assert delivered(peer) == 2


@pytest.mark.parametrize("name", PEERS)
def test_musters_sender_sends_each_message_to_a_reused_url_unthrottled(
    request: pytest.FixtureRequest, name: str
) -> None:
    """AppriseSender keeps each URL's parse and each thread's container: the second send to
    the same target still gets a plugin of its own, the right body, and no throttle wait."""
    peer: Peer = request.getfixturevalue(name)
    sender = AppriseSender()
    start = time.monotonic()
    for body in ("first page", "second page"):
        result = sender(target(peer), RenderedMessage(title="SEV1", body=body, body_format="text"))
        assert result.ok, result.error
    assert time.monotonic() - start < FAST
    assert delivered(peer) == 2
    assert "second page" in str(peer.messages[-1])


# ----------------------------------------------------------------------------------------------
# Log lines: what the delivery code can classify, and what they leak


HOOK = "muster-hook-token"
NUMBER = ADDRESSES["sms"]

MM_500 = (
    "Failed to send Mattermost notification to channel alice: Internal server error., error=500."
)
MM_400 = (
    "Failed to send Mattermost notification to channel alice: "
    "Bad Request - Unsupported Parameters., error=400."
)
MM_429 = "Failed to send Mattermost notification to channel alice: , error=429."
MM_CONN = "A Connection error occurred sending Mattermost webhook notification to alice."
SIG_500 = (
    f"Failed to send 1 Signal API notification to {NUMBER}: Internal server error., error=500."
)
SIG_400 = (
    f"Failed to send 1 Signal API notification to {NUMBER}: "
    "Bad Request - Unsupported Parameters., error=400."
)
SIG_429 = f"Failed to send 1 Signal API notification to {NUMBER}: error=429."
SIG_CONN = "A Connection error occured sending 1 Signal API notification(s)."  # sic: "occured"
MAIL_REFUSED = 'Sending email to "ann@example.test" failed.'
MAIL_CONN = 'Connection error while submitting email to "127.0.0.1"'

_HTTP_STATUS = re.compile(r"error=(\d{3})\.$")
_CONNECTION = re.compile(r"^(A )?Connection error ")


def classify(lines: list[str]) -> str:
    """An example classifier over Apprise's WARNING lines: 'retryable' or 'permanent'."""
    for line in lines:
        status = _HTTP_STATUS.search(line)
        if status:
            code = int(status.group(1))
            return "retryable" if code >= 500 or code == 429 else "permanent"
        if _CONNECTION.search(line):
            return "retryable"
    return "permanent"


def provoke(peer: Peer, fault: str) -> tuple[str, Any]:
    """Set ``fault`` up on ``peer``; the URL to send to and a callable that undoes it."""
    url = target(peer)
    if fault == "refused":
        peer.set_down()
    elif fault == "timeout":
        assert isinstance(peer, HttpPeer)
        peer.delay = 1.0
        url += "?rto=0.2" if "?" not in url else "&rto=0.2"
    elif isinstance(peer, SmtpPeer):
        peer.fail_next(1, fault)
    else:
        peer.fail_next(1, int(fault))
    return url, peer.set_up


@pytest.mark.parametrize(
    ("name", "fault", "expected", "classified_as"),
    [
        ("chat_peer", "500", MM_500, "retryable"),
        ("chat_peer", "429", MM_429, "retryable"),
        ("chat_peer", "400", MM_400, "permanent"),
        ("chat_peer", "refused", MM_CONN, "retryable"),
        ("chat_peer", "timeout", MM_CONN, "retryable"),
        ("sms_peer", "500", SIG_500, "retryable"),
        ("sms_peer", "429", SIG_429, "retryable"),
        ("sms_peer", "400", SIG_400, "permanent"),
        ("sms_peer", "refused", SIG_CONN, "retryable"),
        ("sms_peer", "timeout", SIG_CONN, "retryable"),
        # A temporary SMTP refusal reads like a permanent one at WARNING: see the next test.
        ("smtp_peer", "451 4.3.0 Try again later", MAIL_REFUSED, "permanent"),
        ("smtp_peer", "550 5.1.1 No such user", MAIL_REFUSED, "permanent"),
        ("smtp_peer", "refused", MAIL_CONN, "retryable"),
    ],
)
def test_apprise_log_lines_per_failure(
    request: pytest.FixtureRequest,
    caplog: pytest.LogCaptureFixture,
    name: str,
    fault: str,
    expected: str,
    classified_as: str,
) -> None:
    """The one WARNING line Apprise logs for each failure, on logger 'apprise' and in the
    result; HTTP lines end in error=CODE, connection failures and timeouts read alike. An SMTP
    4xx and 5xx log the same line (the code is only at DEBUG): email cannot be told apart."""
    peer: Peer = request.getfixturevalue(name)
    url, undo = provoke(peer, fault)
    caplog.set_level(logging.DEBUG, logger="apprise")
    apobj = apprise.Apprise()
    assert apobj.add(url)
    result = apobj.notify(body="page")
    undo()

    assert not result
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert warnings == [expected]
    assert [entry.message for entry in result.logs()] == [expected]
    assert classify(warnings) == classified_as


@pytest.mark.parametrize("reply", ["451 4.3.0 Try again later", "550 5.1.1 No such user"])
def test_the_smtp_reply_code_is_only_in_debug_result_logs(
    smtp_peer: SmtpPeer, caplog: pytest.LogCaptureFixture, reply: str
) -> None:
    """With the 'apprise' logger at DEBUG, notify(log_level=DEBUG) keeps this call's DEBUG
    lines in its result, and the SMTP reply code is there: 'Socket Exception: (451, ...)'."""
    caplog.set_level(logging.DEBUG, logger="apprise")
    smtp_peer.fail_next(1, reply)
    apobj = apprise.Apprise()
    assert apobj.add(target(smtp_peer))
    result = apobj.notify(body="page", log_level=logging.DEBUG)
    assert not result
    code, text = reply.split(" ", 1)
    assert f"Socket Exception: ({code}, b'{text}')" in [entry.message for entry in result.logs()]


def test_secrets_stay_out_of_warnings_but_not_out_of_debug(
    chat_peer: MattermostPeer, caplog: pytest.LogCaptureFixture
) -> None:
    """The webhook token never appears at INFO or above; at DEBUG it does (the POST URL, and the
    exception text on a connection error), so 'apprise' must not log DEBUG in production."""
    caplog.set_level(logging.DEBUG, logger="apprise")
    chat_peer.fail_next(1, 500)
    assert not send(target(chat_peer))[0]
    chat_peer.set_down()
    assert not send(target(chat_peer))[0]

    above_debug = [r.getMessage() for r in caplog.records if r.levelno > logging.DEBUG]
    debug = [r.getMessage() for r in caplog.records if r.levelno == logging.DEBUG]
    assert above_debug
    assert not [line for line in above_debug if HOOK in line]
    assert [line for line in debug if HOOK in line]


def test_sms_warnings_name_the_phone_number(
    sms_peer: SmsPeer, caplog: pytest.LogCaptureFixture
) -> None:
    """Signal's HTTP-failure and success lines carry the recipient's number (personal data,
    not a secret); the connection-error line does not."""
    caplog.set_level(logging.INFO, logger="apprise")
    assert send(target(sms_peer))[0]
    sms_peer.fail_next(1, 503)
    assert not send(target(sms_peer))[0]
    lines = [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO]
    assert f"Sent 1 Signal API notification to {NUMBER}." in lines
    assert [line for line in lines if line.startswith("Failed")] == [
        f"Failed to send 1 Signal API notification to {NUMBER}: Servers are overloaded., error=503."
    ]
    assert NUMBER not in SIG_CONN
