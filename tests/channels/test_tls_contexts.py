"""Apprise's email sends share the process's certificates: a context is strict until Apprise
loosens it, loads nothing itself, and hands verifying handshakes to one default context."""

from __future__ import annotations

import socket
import ssl
from typing import Any

import pytest
from apprise.plugins.email import smtp

from muster.channels import tls_contexts
from muster.channels.sender import AppriseSender


@pytest.fixture
def made() -> ssl.SSLContext:
    AppriseSender()  # shares them, once per process
    context: ssl.SSLContext = vars(smtp)["ssl"].create_default_context()
    return context


def test_apprise_smtp_contexts_verify_the_certificate_and_the_host_by_default(
    made: ssl.SSLContext,
) -> None:
    assert made.verify_mode == ssl.CERT_REQUIRED
    assert made.check_hostname is True
    assert made.cert_store_stats()["x509"] == 0  # nothing loaded when made


def test_a_verifying_handshake_is_the_default_contexts(
    made: ssl.SSLContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    wrapped: list[dict[str, Any]] = []

    class Verifying:
        def wrap_socket(self, sock: socket.socket, **kwargs: Any) -> str:
            wrapped.append(kwargs)
            return "verified"

    monkeypatch.setattr(tls_contexts, "_verifying", Verifying)
    with socket.socket() as sock:
        assert made.wrap_socket(sock, server_hostname="smtp.example.com") == "verified"
    assert wrapped == [{"server_hostname": "smtp.example.com"}]


def test_a_context_apprise_turned_verification_off_on_handshakes_itself(
    made: ssl.SSLContext,
) -> None:
    made.check_hostname = False
    made.verify_mode = ssl.CERT_NONE
    with socket.socket() as sock:
        wrapped = made.wrap_socket(sock, do_handshake_on_connect=False)
        assert wrapped.context is made


def test_sharing_twice_changes_nothing() -> None:
    tls_contexts.share_smtp_certificates()
    shim = vars(smtp)["ssl"]
    tls_contexts.share_smtp_certificates()
    assert vars(smtp)["ssl"] is shim
