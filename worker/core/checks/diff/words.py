"""How a diff's claims name things, the same in every section: people by name and key, instants
on the config's clock, delays, roles — each passed through the escaping rule of the format it is
shown in (:mod:`muster.worker.core.rendering.escaping`), since a pull request's YAML is written by
whoever opens it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from muster.worker.core.config.durations import format_duration
from muster.worker.core.config.model import SME
from muster.worker.core.rendering import escaping

DAY = "%a %d %b %H:%M"


@dataclass(frozen=True, slots=True)
class Words:
    """A format's way of saying things: its escaping, people's names, the config's zone, and
    whether people are set in bold (markdown)."""

    say: Callable[[str], str]
    names: Mapping[str, str]
    zone: tzinfo
    bold: bool = False

    def who(self, person: str) -> str:
        """``Dave Nowak (dave)``, or the key alone when the name is the key (escaped)."""
        name = self.names.get(person)
        return self.say(f"{name} ({person})" if name and name != person else person)

    def day(self, moment: datetime) -> str:
        """An instant on the config's clock: ``Mon 28 Dec 09:00``."""
        return moment.astimezone(self.zone).strftime(DAY)

    def span(self, starts: datetime, until: datetime) -> str:
        """``Mon 28 Dec 09:00–Mon 04 Jan 09:00``."""
        return f"{self.day(starts)}–{self.day(until)}"


def delay(after: timedelta) -> str:
    """``at once``, or ``after 10m``."""
    return "at once" if not after else f"after {format_duration(after)}"


def role(label: str) -> str:
    """A role label as read: ``incident commander``, ``SME of api``."""
    name, _, service = label.partition(":")
    return f"SME of {service}" if name == SME and service else name.replace("_", " ")


def plain(value: str) -> str:
    """Config text for a terminal: one line, inert."""
    return escaping.text(escaping.one_line(value))


def marked(value: str) -> str:
    """Config text inside a markdown line: one line, punctuation escaped."""
    return escaping.markdown(escaping.one_line(value))
