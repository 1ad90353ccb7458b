"""Apprise's HTTP sends on kept-alive connections: a ``requests`` session per sending thread, and
one connection pool per sender shared by them all.

Apprise's plugins send through ``requests``' module functions (``requests.post``,
``requests.request``), and each call makes a session of its own and closes it: a new connection
pool, a new TCP (and TLS) connection and a new handler thread at the provider, for every page:
0.2-0.4 ms of CPU a send, of the worker's 3 ms a delivery (issue 19), where a real provider
keeps a connection alive for the next request. Inside :meth:`KeptAlive.sending` -- around each
send of :class:`muster.channels.sender.AppriseSender`, the way :func:`muster.channels.http_answers.
watching` is -- those calls go to the sending thread's session instead, whose adapter is the
sender's one ``HTTPAdapter``: urllib3's connection pools, which are thread-safe, keep each
provider's connections open between sends. The patch point is ``requests.api.request``, the
public function every one of those module functions ends in (and ``requests.request``, the same
function re-exported); ``tests/channels/test_http_sessions.py`` fails loudly if Apprise's
plugins stop reaching it.

What a fresh session gave each request stays:

* the same defaults: proxies, ``.netrc`` and the CA bundle from the environment. ``requests``
  looks for them on every request (the environment scanned for ``*_proxy`` twice, the home
  folder for a ``.netrc``: 0.2 ms a send); a sender looks once, when it is made. Where the
  environment names no proxy and there is no ``.netrc`` (most deployments) its sessions stop
  looking (``trust_env`` off) and apply ``REQUESTS_CA_BUNDLE`` or ``CURL_CA_BUNDLE`` to each
  verifying request themselves, as ``requests`` would. Change one, and restart the worker;
* no cookie carried from one request to the next (the thread's jar is emptied before each; a
  redirect's cookies still follow it, as ``requests`` carries them on the request itself);
* verification per request: urllib3 keys a pool by its TLS settings, so a ``verify=no`` URL
  never shares a connection with a verifying one;
* a connection the provider closed while idle is noticed by urllib3 before reuse and replaced
  (a close racing the request fails that attempt as a connection error: retried like any other).

Idle connections kept: at most ``per_host`` to each of the ``hosts`` most recent hosts, and
never more than were on the wire at once. Anything outside a send (another library's
``requests`` call) gets a session of its own, as before.
"""

from __future__ import annotations

import os
import threading
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import requests
import requests.api
from requests.adapters import HTTPAdapter
from requests.utils import NETRC_FILES

HOSTS_KEPT = 32
"""Hosts whose connections a sender keeps; the least recently used beyond are closed."""

_MARK = "_muster_kept_alive"
_install_lock = threading.Lock()


class KeptAlive:
    """One sender's kept-alive connections, and each sending thread's session over them."""

    def __init__(self, per_host: int, hosts: int = HOSTS_KEPT) -> None:
        # pool_maxsize: idle connections kept per host. At least the sends that can be on the
        # wire at once, so that urllib3 never discards one with a warning per request.
        self._adapter = HTTPAdapter(pool_connections=hosts, pool_maxsize=max(1, per_host))
        self._sessions = threading.local()
        self.trusts_environment = environment_names_proxies_or_netrc()
        self.ca_bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")

    def session(self) -> requests.Session:
        """This thread's session over the kept connections."""
        session: requests.Session | None = getattr(self._sessions, "session", None)
        if session is None:
            session = self._sessions.session = requests.Session()
            session.trust_env = self.trusts_environment
            session.mount("http://", self._adapter)
            session.mount("https://", self._adapter)
        return session

    @contextmanager
    def sending(self) -> Iterator[None]:
        """``requests``' module functions called inside (on this thread) use the kept
        connections."""
        _install()
        token = _current.set(self)
        try:
            yield
        finally:
            _current.reset(token)

    def request(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        """``requests.request`` on this thread's session: cookies start empty, as in a fresh
        one."""
        session = self.session()
        if not self.trusts_environment and self.ca_bundle:
            verify = kwargs.get("verify", True)
            if verify is True or verify is None:  # what requests does with the environment's
                kwargs["verify"] = self.ca_bundle
        session.cookies.clear()
        try:
            return session.request(method=method, url=url, **kwargs)
        finally:
            session.cookies.clear()

    def close(self) -> None:
        """Close the idle connections (those in use close when their request ends)."""
        self._adapter.close()


def environment_names_proxies_or_netrc() -> bool:
    """Whether ``requests`` would find a proxy in the environment (any ``*_proxy`` variable)
    or a ``.netrc`` file where it looks (``$NETRC``, else ``~/.netrc`` and ``~/_netrc``)."""
    if urllib.request.getproxies():
        return True
    named = os.environ.get("NETRC")
    places = (named,) if named is not None else tuple(f"~/{name}" for name in NETRC_FILES)
    return any(os.path.exists(os.path.expanduser(place)) for place in places)


_current: ContextVar[KeptAlive | None] = ContextVar("muster_kept_alive", default=None)


def _install() -> None:
    """Route ``requests.api.request`` (and its re-export) through the current sender's
    connections, once per process; outside a send it is the original function."""
    with _install_lock:
        if getattr(requests.api.request, _MARK, False):
            return
        original = requests.api.request

        def request(method: str, url: str, **kwargs: Any) -> requests.Response:
            kept = _current.get()
            if kept is None:
                return original(method, url, **kwargs)
            return kept.request(method, url, **kwargs)

        setattr(request, _MARK, True)
        request.__doc__ = original.__doc__
        requests.api.request = request  # type: ignore[assignment]
        requests.request = request  # type: ignore[assignment]
