"""Apprise's HTTP sends keep their connections alive between pages, through real Apprise plugins
to local HTTP/1.1 peers: a provider's connection serves the next page, nothing else of a fresh
``requests`` session changes (no cookie carried over, a closed connection replaced, the
environment's proxy and CA bundle still used), and ``requests`` outside a send is left alone.
These tests fail if Apprise's plugins stop sending through ``requests.api.request``, the patch
point."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from muster.channels.sender import AppriseSender
from muster.channels.targets import fill_template
from muster.worker.core.rendering.render import RenderedMessage
from tests.harness.peers import HttpPeer, MattermostPeer, Reply

pytestmark = pytest.mark.integration

ADDRESSES = {"chat": "alice"}
MESSAGE = RenderedMessage(title="SEV1", body="page", body_format="text")


@pytest.fixture
def provider(chat_peer: MattermostPeer) -> MattermostPeer:
    """The chat peer speaking HTTP/1.1, as real providers do."""
    chat_peer.keep_alive = True
    return chat_peer


@pytest.fixture
def json_peer() -> Iterator[HttpPeer[None]]:
    """A bare HTTP/1.1 peer (it answers 404) for ``json://``, whose plugin calls
    ``requests.request`` rather than ``requests.post``."""
    with HttpPeer[None]() as peer:
        peer.keep_alive = True
        yield peer


def chat_url(peer: MattermostPeer, person: str = "alice") -> str:
    return fill_template(peer.url_template(), {"chat": person})


def connections(peer: HttpPeer[object] | MattermostPeer) -> list[int]:
    return [request.connection for request in peer.requests]


def test_pages_to_one_provider_share_one_connection(provider: MattermostPeer) -> None:
    sender = AppriseSender()
    results = [sender(chat_url(provider, person), MESSAGE) for person in ("alice", "bob", "cy")]
    assert [result.ok for result in results] == [True, True, True]
    assert len(set(connections(provider))) == 1


def test_a_plugin_calling_requests_request_shares_its_connection_too(
    json_peer: HttpPeer[None],
) -> None:
    sender = AppriseSender()
    for _ in range(2):
        sender(f"json://127.0.0.1:{json_peer.port}/hook", MESSAGE)
    assert len(json_peer.requests) == 2
    assert len(set(connections(json_peer))) == 1


def test_a_cookie_the_provider_set_is_not_sent_with_the_next_page(
    provider: MattermostPeer,
) -> None:
    provider.fail_each(Reply(200, b"ok", "text/plain", headers=(("Set-Cookie", "seen=alice"),)))
    sender = AppriseSender()
    assert sender(chat_url(provider), MESSAGE).ok
    assert sender(chat_url(provider, "bob"), MESSAGE).ok
    assert [request.headers.get("Cookie") for request in provider.requests] == [None, None]
    assert len(set(connections(provider))) == 1


def test_a_connection_the_provider_closed_while_idle_is_replaced_and_the_page_sent(
    provider: MattermostPeer,
) -> None:
    provider.hang_up_when_idle = True
    sender = AppriseSender()
    results = []
    for sent in range(1, 4):
        results.append(sender(chat_url(provider), MESSAGE))
        provider.wait_for_hang_ups(sent)  # idle, and closed: as a provider closes them
    assert [result.ok for result in results] == [True, True, True]
    assert len(provider.requests) == 3  # each sent once: no retry was needed
    assert len(set(connections(provider))) == 3


def test_sends_on_many_threads_open_at_most_one_connection_per_thread(
    provider: MattermostPeer,
) -> None:
    sender = AppriseSender()
    with ThreadPoolExecutor(max_workers=4) as threads:
        results = list(threads.map(lambda _: sender(chat_url(provider), MESSAGE), range(40)))
    assert all(result.ok for result in results)
    assert len(provider.requests) == 40
    assert len(set(connections(provider))) <= 4


def test_requests_outside_a_send_get_a_session_of_their_own(provider: MattermostPeer) -> None:
    sender = AppriseSender()
    assert sender(chat_url(provider), MESSAGE).ok  # the patch point is in place by now
    hook = f"{provider.base_url}/hooks/{provider.token}"
    for _ in range(2):
        requests.post(hook, json={"text": "not a page"}, timeout=5)
    first, *others = connections(provider)
    assert len({first, *others}) == 3


def test_a_proxy_in_the_environment_carries_the_pages(
    provider: MattermostPeer, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", provider.base_url)  # read when the sender is made
    sender = AppriseSender()
    result = sender(f"mmost://chat.invalid:8065/{provider.token}?to=alice", MESSAGE)
    assert result.ok
    assert [message.destination for message in provider.messages] == ["alice"]


@pytest.mark.parametrize("variable", ["REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", None])
def test_a_verifying_send_loads_the_environments_ca_bundle(
    provider: MattermostPeer, monkeypatch: pytest.MonkeyPatch, variable: str | None, tmp_path: Path
) -> None:
    """A bundle the environment names but that is missing makes ``requests`` raise before it
    connects (Apprise reports an exception); without one, the TLS handshake with the plain-HTTP
    peer is what fails."""
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)
    if variable is not None:
        monkeypatch.setenv(variable, str(tmp_path / "no-such-bundle.pem"))
    sender = AppriseSender()
    result = sender(f"mmosts://127.0.0.1:{provider.port}/{provider.token}?to=alice", MESSAGE)
    assert not result.ok
    assert ("raised an exception" in (result.error or "")) == (variable is not None)
    assert provider.requests == []
