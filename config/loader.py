"""Reading a routing config file into a :class:`Routing`, or every error in it.

This is the adapter around the pure validation: it reads the file, parses YAML keeping each node's
line, rejects duplicate keys (which YAML would otherwise silently let the last one win), fills
``${NAME}`` from the environment, and places each problem at its file and line.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from muster.config.overrides_file import (
    KEY,
    OverridesText,
    ParsedOverrides,
    parse_overrides,
    read_overrides,
)
from muster.config.yaml_document import (
    MAX_ALIASED_NODES,
    MAX_DOCUMENT_BYTES,
    MAX_VALUES,
    line_of,
    parse_yaml,
)
from muster.worker.core.checks.validation import validate_document
from muster.worker.core.config.interpolation import interpolate
from muster.worker.core.config.issues import ConfigError, ConfigIssue, error
from muster.worker.core.config.issues import Path as DocPath
from muster.worker.core.config.masking import mask_text
from muster.worker.core.paging.routing import Routing

__all__ = [
    "MAX_ALIASED_NODES",
    "MAX_DOCUMENT_BYTES",
    "MAX_VALUES",
    "LoadedConfig",
    "line_of",
    "parse_yaml",
]


@dataclass(frozen=True)
class LoadedConfig:
    """A config ready to serve, where it came from, and the line of each place in it."""

    routing: Routing
    source: str
    lines: Mapping[DocPath, int] = field(repr=False, default_factory=dict)
    text: str = field(repr=False, default="")  # as written: ${NAME} not filled in
    overrides_file: ParsedOverrides | None = field(repr=False, default=None)
    own_overrides: int = 0  # the config's own; the overrides file's come after them
    overrides_text: OverridesText | None = field(repr=False, default=None)  # as read, to keep

    def locate(self, issue: ConfigIssue) -> ConfigIssue:
        """``issue`` with this config's file and the line of its path (or nearest enclosing);
        an issue about one of the overrides file's entries, at its place in that file."""
        return _locate(issue, self.source, self.lines, self.overrides_file, self.own_overrides)


def _locate(
    issue: ConfigIssue,
    source: str,
    lines: Mapping[DocPath, int],
    extra: ParsedOverrides | None,
    own: int,
) -> ConfigIssue:
    path = issue.path
    if extra is not None and path[:1] == (KEY,) and _index(path) >= own:
        return extra.place(issue, own)
    return issue.located(source, issue.line or line_of(lines, path))


def load_config(
    path: str | os.PathLike[str], environ: Mapping[str, str] | None = None
) -> LoadedConfig:
    """Load and validate the config file at ``path`` with its overrides file
    (:mod:`muster.config.overrides_file`), if it has one; raise :class:`ConfigError` with all
    errors of both."""
    source = str(path)
    try:
        with Path(path).open(encoding="utf-8") as file:
            text = file.read(MAX_DOCUMENT_BYTES + 1)  # parse_yaml refuses more, unread
    except OSError as failure:
        raise ConfigError(
            [error((), f"cannot read the file: {failure.strerror}").located(source, None)], source
        ) from None
    except UnicodeDecodeError:
        raise ConfigError(
            [error((), "the file is not UTF-8 text").located(source, None)], source
        ) from None
    return load_text(text, source, environ, read_overrides(source))


def load_text(
    text: str,
    source: str = "<config>",
    environ: Mapping[str, str] | None = None,
    overrides: OverridesText | None = None,
) -> LoadedConfig:
    """Validate config ``text``; ``source`` names it in errors, ``environ`` fills ``${NAME}``,
    ``overrides`` (an overrides file's text) adds its entries after the config's own."""
    # Parsing a large config allocates ~10^6 acyclic objects; with the collector running, its
    # full passes over the config still being served dominated the load (bench: 1.6 s → 0.6 s).
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _load_text(text, source, os.environ if environ is None else environ, overrides)
    finally:
        if collecting:
            gc.enable()


def _load_text(
    text: str, source: str, environ: Mapping[str, str], overrides: OverridesText | None
) -> LoadedConfig:
    try:
        return _checked(text, source, environ, overrides)
    except ConfigError:
        raise
    except (RecursionError, MemoryError):
        issue = error((), "the document is too large or too deeply nested to load")
        raise ConfigError([issue.located(source, 1)], source) from None
    except (ValueError, TypeError, ArithmeticError, LookupError, AttributeError) as failure:
        # Every conversion is meant to report its own error at its own line; one that does
        # not is still a refused config (its message may quote a secret: only its kind is told).
        issue = error((), f"cannot use this config ({type(failure).__name__}); please report it")
        raise ConfigError([issue.located(source, 1)], source) from None


def _checked(
    text: str, source: str, environ: Mapping[str, str], overrides: OverridesText | None
) -> LoadedConfig:
    data, lines, issues = parse_yaml(text)
    extra = None if overrides is None else parse_overrides(overrides)
    if data is None and issues:
        raise ConfigError(
            [issue.located(source, issue.line) for issue in issues] + _issues_of(extra), source
        )
    own = _own_overrides(data)
    if extra is not None and extra.swaps and isinstance(data, dict):
        base = data.get(KEY) or []
        if isinstance(base, list):  # else the config's own error at its overrides: says it
            data = {**data, KEY: [*base, *extra.swaps]}
    filled = interpolate(data, environ)
    config, problems = validate_document(filled.data, written=data)
    issues += filled.issues + problems
    if filled.secrets:
        # A message may quote a value that came from the environment (a timezone, a name).
        issues = [replace(i, message=mask_text(i.message, filled.secrets)) for i in issues]
    if issues or config is None or _issues_of(extra):
        located = [_locate(issue, source, lines, extra, own) for issue in issues]
        located += _issues_of(extra)
        located.sort(key=lambda issue: (issue.file != source, issue.line or 0))
        raise ConfigError(located, source)
    return LoadedConfig(
        routing=Routing.from_config(config, frozenset(filled.secrets)),
        source=source,
        lines=lines,
        text=text,
        overrides_file=extra,
        own_overrides=own,
        overrides_text=overrides,
    )


def _index(path: DocPath) -> int:
    """The entry's index in ``overrides[i]...``, or -1."""
    return path[1] if len(path) > 1 and isinstance(path[1], int) else -1


def _own_overrides(data: object) -> int:
    entries = data.get(KEY) if isinstance(data, dict) else None
    return len(entries) if isinstance(entries, list) else 0


def _issues_of(extra: ParsedOverrides | None) -> list[ConfigIssue]:
    return [] if extra is None else list(extra.issues)
