"""Real protocol peers on 127.0.0.1 for integration tests: nothing in Apprise is mocked.

* :class:`SmtpPeer` - an aiosmtpd SMTP server that Apprise's ``mailto://`` plugin delivers to.
* :class:`MattermostPeer` - a Mattermost incoming-webhook endpoint (``mmost://``).
* :class:`SmsPeer` - a signal-cli REST API (``signal://``, ``POST /v2/send``, answers 201).

Every peer binds a free port on 127.0.0.1, records what it receives (thread-safe), can be made to
fail (``fail_next``; HTTP peers can add headers such as ``Retry-After`` to the failures, fail
each destination's first requests with ``fail_each``, and hold a request past the client's
timeout with ``Reply.hang``), refuse everything to one recipient for good (``refuse``: one
person whose every channel fails), or disappear (``set_down`` closes the listening socket, so
connections are refused; ``set_up`` binds the same port again), and hands out the Apprise URL
template, with the person's address as a ``{email}`` / ``{chat}`` / ``{sms}`` placeholder, that
reaches it.

The fixtures ``smtp_peer``, ``chat_peer`` and ``sms_peer`` (in ``tests/conftest.py``) start one
for a test and stop it after.

Apprise facts these peers were built against (Apprise 2.3, see tests/channels/test_peers.py):

* Apprise throttles consecutive requests of the same plugin *instance* (``request_rate_per_sec``:
  5.5 s for E-Mail and Signal, 0.02 s for Mattermost); no URL parameter changes it. A fresh
  ``Apprise()`` per send is never throttled; :func:`unthrottle` sets the attribute to 0 on every
  service already added to an ``Apprise`` object.
* ``mailto://`` needs a ``from=`` address with a dotted domain (``muster@test`` is rejected) and
  defaults to HTML: pass ``body_format="text"`` to ``notify`` for a verbatim plain-text body.
* Mattermost and Signal have no title: Apprise sends ``title + "\\r\\n" + body`` as the text.
* Apprise decodes a URL before splitting its target list, so an address holding a comma, a
  semicolon or a space reaches several destinations even when percent-encoded.
* A reply slower than ``?rto=`` fails the send although the peer has recorded the message.
"""

from tests.harness.peers.chat import ChatMessage, MattermostPeer
from tests.harness.peers.common import (
    DEFAULT_TIMEOUT,
    HOOK_TOKEN,
    HOST,
    SMS_SOURCE,
    free_port,
    unthrottle,
)
from tests.harness.peers.http import HttpPeer, RecordedRequest, Reply
from tests.harness.peers.sms import SmsMessage, SmsPeer
from tests.harness.peers.smtp import ReceivedMail, SmtpPeer

__all__ = [
    "DEFAULT_TIMEOUT",
    "HOOK_TOKEN",
    "HOST",
    "SMS_SOURCE",
    "ChatMessage",
    "HttpPeer",
    "MattermostPeer",
    "ReceivedMail",
    "RecordedRequest",
    "Reply",
    "SmsMessage",
    "SmsPeer",
    "SmtpPeer",
    "free_port",
    "unthrottle",
]
