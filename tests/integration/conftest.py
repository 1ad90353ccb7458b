"""Fixtures of the integration scenarios."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.harness.end_to_end_stack import Stack, running_stack
from tests.harness.servers import BROKERS


@pytest.fixture(scope="module", params=BROKERS)
def stack(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    """The end-to-end stack on each broker, one per test module (its scenarios share it)."""
    kind: str = request.param
    with running_stack(kind, tmp_path_factory.mktemp(f"muster-{kind}")) as running:
        yield running


@pytest.fixture
def fresh(stack: Stack) -> Stack:
    for peer in (stack.smtp, stack.chat, stack.sms):
        peer.set_up()
        peer.clear()
    stack.chat.delay = stack.sms.delay = 0.0  # a test that slowed a peer down must not leak it
    return stack
