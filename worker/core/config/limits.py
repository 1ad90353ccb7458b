"""The ``limits`` section: how many pages a person may get by one contact kind per window.

A bad deploy fires hundreds of alerts; each must not become ten pages per person. Pages beyond a
limit are held and folded into one digest at the window's end
(:mod:`muster.worker.core.decisions.storm`
decides which). Built-in defaults follow GoAlert's: ``sms`` and ``voice`` 5 per 15 minutes, every
other kind (email, chat…) 20 per 15 minutes. Each can be overridden per kind and per person;
``null`` lifts a limit.
"""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field, field_validator

from muster.worker.core.config.durations import format_duration
from muster.worker.core.config.fields import Duration, Name, Strict


class Limit(Strict):
    """At most ``max`` pages per ``per`` (a window that opens with the first page)."""

    max: int = Field(ge=1, le=10_000)
    per: Duration

    @field_validator("per")
    @classmethod
    def _sensible_window(cls, per: timedelta) -> timedelta:
        if not timedelta(minutes=1) <= per <= timedelta(days=1):
            raise ValueError(f"a window of {format_duration(per)}: use 1m to 1d")
        return per

    def __str__(self) -> str:
        return f"{self.max}/{format_duration(self.per)}"


FIFTEEN_MINUTES = timedelta(minutes=15)
BUILT_IN: dict[str, Limit] = {
    "sms": Limit(max=5, per=FIFTEEN_MINUTES),
    "voice": Limit(max=5, per=FIFTEEN_MINUTES),
}
DEFAULT = Limit(max=20, per=FIFTEEN_MINUTES)


class Limits(Strict):
    """Per contact kind, then per person and kind; a kind named nowhere gets ``default``."""

    default: Limit | None = DEFAULT
    kinds: dict[Name, Limit | None] = Field(default_factory=dict)
    people: dict[Name, dict[Name, Limit | None]] = Field(default_factory=dict)

    def for_page(self, person: str | None, kind: str) -> Limit | None:
        """The limit on ``person``'s pages by ``kind`` (None: unlimited)."""
        own = self.people.get(person or "", {})
        if kind in own:
            return own[kind]
        if kind in self.kinds:
            return self.kinds[kind]
        return BUILT_IN.get(kind, self.default)
