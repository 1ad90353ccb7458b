"""End to end: a hostile title and a hostile redefinition reach a real chat peer inert.

Mattermost has no title field, so Apprise puts the title above the markdown body: exactly the
case where a producer's ``[Acknowledge here](https://evil…)`` title became a live link. A real
worker on the embedded broker pages and broadcasts to the Mattermost peer; what the peer received
is read as a CommonMark reader reads it (:mod:`tests.harness.inert`).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import ExitStack

import pytest
from markdown_it import MarkdownIt

from muster.worker.client import Client
from tests.harness.configs import stack_config
from tests.harness.inert import MENTION, invisible
from tests.harness.muster_processes import MusterWorker, worker_environment
from tests.harness.peers import MattermostPeer, SmsPeer, SmtpPeer
from tests.harness.servers import broker_url, purge
from tests.harness.waiting import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.wallclock]

TITLE = "[Acknowledge here](https://evil.test/ack) @here <!channel>\u202e"
SERVICES = ["payments-api", "@everyone", "[Ack](https://evil.test/x)", "rev\u202eersed\r\n# Head"]


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Client, MattermostPeer]]:
    home = tmp_path_factory.mktemp("muster-hostile")
    with ExitStack() as cleanup:
        url = broker_url("embedded", home)
        chat = cleanup.enter_context(MattermostPeer())
        smtp = cleanup.enter_context(SmtpPeer())
        sms = cleanup.enter_context(SmsPeer())
        config = home / "routing.yaml"
        stack_config(config, smtp, chat, sms)
        queue = f"muster-test-{uuid.uuid4().hex[:8]}"
        env = worker_environment(home, config, url, f"sqlite:///{home / 'muster.db'}", queue)
        purge(url, queue)
        worker = MusterWorker(home=home, env=env)
        cleanup.callback(worker.stop)
        worker.start()
        with pytest.MonkeyPatch.context() as producer:  # the client reads where to queue
            producer.setenv("MUSTER_HOME", env["MUSTER_HOME"])
            producer.setenv("MUSTER_QUEUE", env["MUSTER_QUEUE"])
            client = Client(env.get("MUSTER_BROKER_URL"))
        yield client, chat


def live_links(text: str) -> list[str]:
    parsed = MarkdownIt("commonmark").parse(text)
    return [
        str(child.attrs["href"])
        for token in parsed
        for child in token.children or []
        if child.type == "link_open"
    ]


def assert_arrived_inert(text: str) -> None:
    assert not [href for href in live_links(text) if "evil" in href], text
    assert not MENTION.search(text), text
    assert not invisible(text.replace("\r\n", "\n", 1), lines=True), text  # Apprise's CR/LF
    assert "://evil" not in text, text


def test_a_hostile_title_and_redefinition_arrive_escaped_at_the_chat_peer(
    stack: tuple[Client, MattermostPeer],
) -> None:
    """The page, the room announcement and the redefinition milestone all arrive with the
    producer's words readable and nothing of theirs live."""
    client, chat = stack
    incident = client.declare(
        title=TITLE, impact="critical", urgency="high", services=["payments-api"]
    )

    def received(where: str, words: str) -> list[str]:
        return [
            m.text
            for m in chat.messages
            if m.destination == where and incident in m.text and words in m.text
        ]

    announced = wait_until(lambda: received("incidents", "declared"), 30)
    pages = wait_until(lambda: received("bob", "You are paged as"), 30)
    client.milestone(incident, kind="redefinition", text="@here wider", services=SERVICES)
    redefined = wait_until(lambda: received("incidents", "Incident redefined"), 30)
    for text in [*announced, *redefined, *pages]:
        assert_arrived_inert(text)
    assert "Acknowledge here" in announced[0]
    assert "(at)everyone" in redefined[0]
    assert "reversed" in redefined[0]
