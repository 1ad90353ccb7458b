"""muster names (``[A-Za-z0-9._-]``, at most 100) for a source's free-text names, kept unique."""

from __future__ import annotations

import re

_NOT_NAME = re.compile(r"[^a-z0-9._-]+")


class Names:
    """Hands out one muster name per source object, the same each run for the same input."""

    def __init__(self) -> None:
        self.taken: set[str] = set()

    def new(self, text: str, fallback: str = "unnamed") -> str:
        """A name like ``text`` (``Payments Primary`` → ``payments-primary``) not handed out
        before (``-2``, ``-3``… when it was)."""
        base = _NOT_NAME.sub("-", text.lower()).strip("-.")[:90] or fallback
        name, number = base, 1
        while name in self.taken:
            number += 1
            name = f"{base}-{number}"
        self.taken.add(name)
        return name
