"""One set of trusted certificates per process for Apprise's email sends, not one per send.

Apprise's SMTP connection (``apprise.plugins.email.smtp``) calls ``ssl.create_default_context()``
for every email, even over plain SMTP, and that loads the system's certificate store: about
50 ms of CPU holding the interpreter, per email. In a storm paging 200 people by email that was
10 s of one core, and every other send of the worker waited behind it (the slow-provider
bench, issue 19). Here Apprise's SMTP module gets contexts that load nothing when made:

* a context left verifying (Apprise's default) hands its handshakes to one verifying context
  per process, made once by ``ssl.create_default_context()`` and never changed;
* a context Apprise turns verification off on (``verify=no`` in the URL) handshakes itself,
  needing no certificates;
* nothing is loaded for plain SMTP, which never handshakes.

Verification is what it was: the same default context does every verifying handshake.
"""

from __future__ import annotations

import functools
import ssl
import threading
import types
from typing import Any

_installed = threading.Lock()


@functools.cache
def _verifying() -> ssl.SSLContext:
    """The process's verifying context: the system's certificates, loaded once."""
    return ssl.create_default_context()


class _LoadsNothingYet(ssl.SSLContext):
    """What ``create_default_context()`` gives Apprise's SMTP module: as strict (verifying a
    certificate and its host name) until Apprise says otherwise, and loading no certificates
    itself."""

    def wrap_socket(self, sock: Any, *args: Any, **kwargs: Any) -> ssl.SSLSocket:
        if self.verify_mode == ssl.CERT_NONE:
            return super().wrap_socket(sock, *args, **kwargs)
        return _verifying().wrap_socket(sock, *args, **kwargs)


def _default_context(
    purpose: ssl.Purpose = ssl.Purpose.SERVER_AUTH, **files: Any
) -> ssl.SSLContext:
    if purpose != ssl.Purpose.SERVER_AUTH or any(files.values()):
        return ssl.create_default_context(purpose, **files)
    return _LoadsNothingYet(ssl.PROTOCOL_TLS_CLIENT)  # verifies certificate and host by default


def share_smtp_certificates() -> None:
    """Give Apprise's SMTP module the contexts above (once per process; a no-op if its layout
    is not the one this was written for)."""
    from apprise.plugins.email import smtp  # noqa: PLC0415 - Apprise is imported by then

    names = vars(smtp)
    with _installed:
        current = names.get("ssl")
        if current is not ssl:  # shared already, or not the module this was written for
            return
        shim = types.ModuleType("ssl")
        shim.__dict__.update(vars(ssl))
        shim.__dict__["create_default_context"] = _default_context
        names["ssl"] = shim
