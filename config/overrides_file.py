"""The overrides file: shift cover kept beside the routing config, written by ``muster override``.

Covering a shift should not mean hand-editing the routing config (issue 23). ``routing.yaml``'s
overrides file is ``routing.overrides.yaml`` in the same folder: a YAML document of its own,
committable and reviewable, whose ``overrides:`` entries have the routing config's shape plus an
``id``, a ``reason``, a ``created`` time and optionally an ``author``. It is loaded with the
routing config, its entries appended after the config's own (so they win where both cover an
instant), and validated with it: an error in it is an error of the config, at its own file and
line, and the last good config keeps serving (:mod:`muster.config.watch`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from muster.config.yaml_document import line_of, parse_yaml
from muster.worker.core.config.issues import ConfigIssue, error
from muster.worker.core.config.issues import Path as DocPath

KEY = "overrides"
SUFFIX = ".overrides"
METADATA = ("id", "author", "reason", "created")
"""Keys of an entry that are the file's own: who, why and when, not part of the swap."""


def overrides_path(config: str | Path) -> Path:
    """The overrides file of the routing config at ``config``: ``routing.yaml`` →
    ``routing.overrides.yaml``."""
    path = Path(config)
    return path.with_name(f"{path.stem}{SUFFIX}{path.suffix or '.yaml'}")


@dataclass(frozen=True)
class OverridesText:
    """An overrides file's text and where it came from, or why it could not be read."""

    text: str
    source: str
    unreadable: str | None = None


@dataclass(frozen=True)
class ParsedOverrides:
    """The file's entries as swaps (metadata taken off), their lines, and what is wrong."""

    swaps: list[Any]
    source: str
    lines: Mapping[DocPath, int] = field(repr=False, default_factory=dict)
    issues: list[ConfigIssue] = field(default_factory=list)

    def place(self, issue: ConfigIssue, offset: int) -> ConfigIssue:
        """``issue`` about the merged document's ``overrides[offset + i]``, placed in this file
        as its ``overrides[i]``."""
        index = issue.path[1]
        path = (KEY, index - offset if isinstance(index, int) else index, *issue.path[2:])
        located = ConfigIssue(issue.level, path, issue.message)
        return located.located(self.source, line_of(self.lines, path))


def read_overrides(config: str | Path) -> OverridesText | None:
    """The overrides file beside ``config``, or None if it does not exist (none is needed)."""
    path = overrides_path(config)
    try:
        return OverridesText(path.read_text(encoding="utf-8"), str(path))
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as failure:
        # A file that is there but unreadable is an error of the config, not an empty file.
        why = failure.strerror if isinstance(failure, OSError) else "the file is not UTF-8 text"
        return OverridesText("", str(path), unreadable=why)


def parse_overrides(given: OverridesText) -> ParsedOverrides:
    """The swaps in ``given`` with every problem of the file's own shape at its line; the swaps
    themselves are validated with the config they are merged into."""
    if given.unreadable is not None:
        issue = error((), f"cannot read the file: {given.unreadable}")
        return ParsedOverrides([], given.source, issues=[issue.located(given.source, None)])
    data, lines, issues = parse_yaml(given.text)
    located = [issue.located(given.source, issue.line) for issue in issues]
    if data is None:
        return ParsedOverrides([], given.source, lines, located)
    if not isinstance(data, dict) or set(data) - {KEY}:
        message = f"the overrides file holds one key, '{KEY}:', a list of overrides"
        located.append(error((), message).located(given.source, 1))
        return ParsedOverrides([], given.source, lines, located)
    entries = data.get(KEY) or []
    if not isinstance(entries, list):
        message = "must be a list of overrides"
        located.append(error((KEY,), message).located(given.source, line_of(lines, (KEY,))))
        return ParsedOverrides([], given.source, lines, located)
    swaps: list[Any] = []
    seen: dict[str, int] = {}
    for index, entry in enumerate(entries):
        problems = _metadata_problems(entry, index, seen)
        located += [p.located(given.source, line_of(lines, p.path)) for p in problems]
        swaps.append(
            {k: v for k, v in entry.items() if k not in METADATA}
            if isinstance(entry, dict)
            else entry
        )
    return ParsedOverrides(swaps, given.source, lines, located)


def _metadata_problems(entry: object, index: int, seen: dict[str, int]) -> list[ConfigIssue]:
    if not isinstance(entry, dict):
        return []  # the merged config's validation says what an override must be
    problems = []
    ident = entry.get("id")
    if not isinstance(ident, str) or not ident.strip():
        problems.append(error((KEY, index, "id"), "every override needs an id (a string)"))
    elif ident in seen:
        message = f"duplicate id {ident!r} (first at overrides[{seen[ident]}])"
        problems.append(error((KEY, index, "id"), message))
    else:
        seen[ident] = index
    for key in ("author", "reason"):
        if key in entry and not isinstance(entry[key], str):
            problems.append(error((KEY, index, key), "must be text"))
    if "created" in entry and not _is_time(entry["created"]):
        problems.append(error((KEY, index, "created"), "must be an RFC 3339 time"))
    return problems


def _is_time(value: object) -> bool:
    if isinstance(value, datetime):
        return True
    try:
        datetime.fromisoformat(str(value))
    except ValueError:
        return False
    return True
