"""A person's Apprise target: the contact template with their address, and nothing more."""

from __future__ import annotations

from muster.channels.targets import fill_template, target_url
from muster.worker.core.paging.routing import Routing


def test_example_sms_target_fills_secrets_and_number(example: Routing) -> None:
    """Twilio's template gets the account from the environment and the person's number."""
    assert target_url(example, "alice", "sms") == (
        "twilio://AC00000000000000000000000000000001:70c3e75ec2e54f4b9a5d2f7c1e8b6a40"
        "@+15550001111/+353850000001"
    )


def test_an_address_cannot_add_path_query_or_targets() -> None:
    """Slashes, ?, & and commas in an address are encoded, so it stays one address."""
    url = fill_template("mailto://127.0.0.1?to={email}", {"email": "a@b.test&to=evil@x.test/,y"})
    assert url == "mailto://127.0.0.1?to=a@b.test%26to%3Devil@x.test%2F%2Cy"
