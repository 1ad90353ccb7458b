"""Test doubles for muster's ports (the in-memory stubs the core's tests use)."""

from __future__ import annotations

from dataclasses import dataclass, field

from channels.sender import SendResult
from worker.core.render import RenderedMessage


@dataclass
class RecordingSender:
    """A channel port stub: records every send; answers from a per-URL-prefix script."""

    sent: list[tuple[str, RenderedMessage]] = field(default_factory=list)
    script: dict[str, list[SendResult]] = field(default_factory=dict)

    def __call__(self, url: str, message: RenderedMessage) -> SendResult:
        self.sent.append((url, message))
        for prefix, answers in self.script.items():
            if url.startswith(prefix) and answers:
                return answers.pop(0)
        return SendResult(ok=True)

    def to(self, fragment: str) -> list[RenderedMessage]:
        return [message for url, message in self.sent if fragment in url]
