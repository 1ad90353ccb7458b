"""A Mattermost incoming-webhook endpoint (``mmost://``)."""

from __future__ import annotations

from typing import Any, NamedTuple

from tests.harness.peers.common import HOOK_TOKEN, HOST
from tests.harness.peers.http import HttpPeer, RecordedRequest, Reply


class ChatMessage(NamedTuple):
    """A chat post: where it went (a channel name, or the webhook's own channel) and its text."""

    destination: str
    text: str


class MattermostPeer(HttpPeer[ChatMessage]):
    """A Mattermost server's incoming webhook, ``POST /hooks/<token>``, as Apprise's ``mmost://``
    plugin calls it.

    Answers ``200 ok`` (text/plain), as Mattermost does; an unknown hook gets 404 and a post
    without text 400, with Mattermost's JSON error body. A post names its channel in ``channel``;
    without one it goes to the webhook's own channel, ``default_channel``.

    Apprise's webhook mode accepts only ``[A-Za-z0-9_-]+`` channel names: a target such as
    ``@alice`` (a direct message, in Mattermost) or ``ann.smith`` is dropped with a warning, and
    the post goes to the webhook's own channel while ``notify`` still succeeds.
    """

    service = "Mattermost"

    def __init__(
        self,
        token: str = HOOK_TOKEN,
        default_channel: str = "town-square",
        delay: float = 0.0,
    ) -> None:
        """A webhook ``token`` posting to ``default_channel`` unless a post names another."""
        super().__init__(delay=delay)
        self.token = token
        self.default_channel = default_channel

    def respond(self, method: str, path: str, payload: Any) -> Reply:
        """Mattermost's answer to a webhook post."""
        if method != "POST" or path != f"/hooks/{self.token}":
            return Reply.json(
                404,
                {
                    "id": "web.incoming_webhook.invalid.app_error",
                    "message": "Invalid webhook.",
                    "status_code": 404,
                },
            )
        if not isinstance(payload, dict) or not payload.get("text"):
            return Reply.json(
                400,
                {
                    "id": "web.incoming_webhook.text.app_error",
                    "message": "No text specified",
                    "status_code": 400,
                },
            )
        return Reply(200, b"ok", "text/plain")

    def to_messages(self, request: RecordedRequest) -> list[ChatMessage]:
        """The post an accepted webhook request made."""
        payload = request.json if isinstance(request.json, dict) else {}
        channel = payload.get("channel") or self.default_channel
        return [ChatMessage(str(channel), str(payload.get("text", "")))]

    def recipients(self, payload: Any) -> list[str]:
        """The channel a post names (its webhook's own without one)."""
        channel = payload.get("channel") if isinstance(payload, dict) else None
        return [str(channel or self.default_channel)]

    def url_template(self) -> str:
        """The ``mmost://`` template posting to the channel named by the person's ``{chat}``.

        Plain ``mmost`` (not ``mmosts``) speaks http. The handle must match ``[A-Za-z0-9_-]+``.
        """
        return self.room_url("{chat}")

    def room_url(self, name: str) -> str:
        """The ``mmost://`` URL posting to channel ``name`` (a broadcast room)."""
        return f"mmost://{HOST}:{self.port}/{self.token}?to={name}"
