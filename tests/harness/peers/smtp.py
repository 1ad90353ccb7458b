"""An aiosmtpd SMTP server that Apprise's ``mailto://`` plugin delivers to."""

from __future__ import annotations

import email
import threading
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from typing import Any, Self
from urllib.parse import quote

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from tests.harness.peers.common import DEFAULT_TIMEOUT, HOST, Peer, free_port, wait_until


@dataclass(frozen=True)
class ReceivedMail:
    """One mail an :class:`SmtpPeer` accepted.

    ``text`` is the decoded text/plain part (the whole body for a single-part mail) with CRLF
    turned into LF and trailing newlines dropped; ``html`` is the text/html part, if any.
    """

    mail_from: str
    rcpt_tos: tuple[str, ...]
    subject: str
    text: str
    html: str | None = None
    message: EmailMessage | None = field(default=None, compare=False, repr=False)


def _parse_mail(envelope: Envelope) -> ReceivedMail:
    """Decode what an SMTP client sent into a :class:`ReceivedMail`."""
    raw = envelope.original_content or envelope.content or b""
    if isinstance(raw, str):
        raw = raw.encode("utf-8")
    message = email.message_from_bytes(raw, policy=policy.default)
    assert isinstance(message, EmailMessage)
    parts: dict[str, str] = {}
    for part in message.walk():
        kind = part.get_content_type()
        if not part.is_multipart() and kind in ("text/plain", "text/html") and kind not in parts:
            assert isinstance(part, EmailMessage)
            parts[kind] = str(part.get_content())

    def normal(text: str) -> str:
        return text.replace("\r\n", "\n").rstrip("\n")

    html = parts.get("text/html")
    return ReceivedMail(
        mail_from=envelope.mail_from or "",
        rcpt_tos=tuple(envelope.rcpt_tos),
        subject=str(message.get("Subject", "")),
        text=normal(parts.get("text/plain", "")),
        html=None if html is None else normal(html),
        message=message,
    )


class SmtpPeer(Peer):
    """A real SMTP server (aiosmtpd) on 127.0.0.1: no TLS; no authentication unless given
    ``credentials`` (then AUTH PLAIN/LOGIN is required, over plain text: it is loopback).

    ``fail_next(n)`` makes the next ``n`` mails get an SMTP error reply at DATA; ``refuse(a)``
    fails every mail to ``a``; ``set_down()`` stops the server (connections are refused) and
    ``set_up()`` starts it on the same port.
    """

    def __init__(self, credentials: tuple[str, str] | None = None) -> None:
        """Prepare the peer on a free port; it listens once started (``with`` or ``start()``)."""
        self.credentials = credentials
        self.port = free_port()
        self._cond = threading.Condition()
        self._messages: list[ReceivedMail] = []
        self._failures: list[str] = []
        self._refused: dict[str, str] = {}
        self._attempts = 0
        self._controller: Controller | None = None

    # lifecycle -------------------------------------------------------------------------------

    def start(self) -> Self:
        """Listen on the peer's port (again, after ``set_down``)."""
        if self._controller is None:
            auth: dict[str, Any] = {}
            if self.credentials is not None:
                auth = {
                    "authenticator": self._authenticate,
                    "auth_required": True,
                    "auth_require_tls": False,
                }
            controller = Controller(_SmtpHandler(self), hostname=HOST, port=self.port, **auth)
            controller.start()
            self._controller = controller
        return self

    def stop(self) -> None:
        """Stop listening and close the listening socket (idempotent)."""
        if self._controller is not None:
            controller, self._controller = self._controller, None
            controller.stop()

    @property
    def is_up(self) -> bool:
        """Whether the server is listening."""
        return self._controller is not None

    # faults and records ----------------------------------------------------------------------

    def fail_next(self, n: int = 1, reply: str = "451 4.3.0 Temporary failure, try again") -> None:
        """Answer the DATA of the next ``n`` mails with ``reply`` (an SMTP status line)."""
        with self._cond:
            self._failures.extend([reply] * n)

    def refuse(self, *addresses: str, reply: str = "550 5.1.1 Mailbox unavailable") -> None:
        """Answer the DATA of every mail to any of ``addresses`` with ``reply``, from now on."""
        with self._cond:
            self._refused.update(dict.fromkeys(addresses, reply))

    @property
    def messages(self) -> list[ReceivedMail]:
        """The mails accepted so far, oldest first (a copy)."""
        with self._cond:
            return list(self._messages)

    @property
    def attempts(self) -> int:
        """How many mails reached DATA, accepted or failed on purpose."""
        with self._cond:
            return self._attempts

    def clear(self) -> None:
        """Forget every recorded mail and pending fault."""
        with self._cond:
            self._messages.clear()
            self._failures.clear()
            self._refused.clear()
            self._attempts = 0

    def wait_for(self, count: int, timeout: float = DEFAULT_TIMEOUT) -> list[ReceivedMail]:
        """Wait until at least ``count`` mails were accepted; return them all."""
        wait_until(
            self._cond,
            lambda: len(self._messages) >= count,
            timeout,
            lambda: f"{len(self._messages)} of {count} mails received: {self._messages!r}",
        )
        return self.messages

    def url_template(self, sender: str = "muster@example.test", login: str = "") -> str:
        """The Apprise ``mailto://`` template reaching this server; ``{email}`` is the recipient.

        Plain SMTP (``mailto``, not ``mailtos``): Apprise then uses no TLS, and no login without a
        user and password (``login``: ``user:password``, as the URL's credentials). ``sender``
        needs a dotted domain: Apprise rejects ``muster@test``.
        """
        credentials = f"{login}@" if login else ""
        query = f"from={quote(sender, safe='@+')}&to={{email}}"
        return f"mailto://{credentials}{HOST}:{self.port}?{query}"

    def _authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        """aiosmtpd's authenticator: the one user and password this peer was given."""
        given = (
            (data.login.decode(), data.password.decode())
            if isinstance(data, LoginPassword)
            else None
        )
        return AuthResult(success=given == self.credentials)

    def _received(self, envelope: Envelope) -> str:
        """Record one mail (called on the server's thread); return the SMTP reply."""
        with self._cond:
            self._attempts += 1
            if self._failures:
                self._cond.notify_all()
                return self._failures.pop(0)
            refused = [self._refused[to] for to in envelope.rcpt_tos if to in self._refused]
            if refused:
                self._cond.notify_all()
                return refused[0]
            self._messages.append(_parse_mail(envelope))
            self._cond.notify_all()
            return "250 2.0.0 OK: queued"

    def __repr__(self) -> str:
        """Where the peer listens and what it holds."""
        return f"<SmtpPeer {HOST}:{self.port} up={self.is_up} mails={len(self._messages)}>"


class _SmtpHandler:
    """The aiosmtpd handler: hands each mail to its :class:`SmtpPeer`."""

    def __init__(self, peer: SmtpPeer) -> None:
        self._peer = peer

    async def handle_DATA(  # noqa: N802 (aiosmtpd's hook name)
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        """Accept (or fail on purpose) one mail."""
        return self._peer._received(envelope)
