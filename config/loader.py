"""Reading a routing config file into a :class:`~worker.core.routing.Routing`, or every error in it.

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
from typing import Any

import yaml

from muster.worker.core.interpolation import interpolate
from muster.worker.core.issues import ConfigError, ConfigIssue, error
from muster.worker.core.issues import Path as DocPath
from muster.worker.core.masking import mask_text
from muster.worker.core.routing import Routing
from muster.worker.core.validation import validate_document

_Loader: type[Any] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class LoadedConfig:
    """A config ready to serve, where it came from, and the line of each place in it."""

    routing: Routing
    source: str
    lines: Mapping[DocPath, int] = field(repr=False, default_factory=dict)

    def locate(self, issue: ConfigIssue) -> ConfigIssue:
        """``issue`` with this config's file and the line of its path (or nearest enclosing)."""
        return issue.located(self.source, line_of(self.lines, issue.path))


def load_config(
    path: str | os.PathLike[str], environ: Mapping[str, str] | None = None
) -> LoadedConfig:
    """Load and validate the config file at ``path``; raise :class:`ConfigError` with all errors."""
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as failure:
        raise ConfigError(
            [error((), f"cannot read the file: {failure.strerror}").located(source, None)], source
        ) from None
    except UnicodeDecodeError:
        raise ConfigError(
            [error((), "the file is not UTF-8 text").located(source, None)], source
        ) from None
    return load_text(text, source, environ)


def load_text(
    text: str, source: str = "<config>", environ: Mapping[str, str] | None = None
) -> LoadedConfig:
    """Validate config ``text``; ``source`` names it in errors, ``environ`` fills ``${NAME}``."""
    # Parsing a large config allocates ~10^6 acyclic objects; with the collector running, its
    # full passes over the config still being served dominated the load (bench: 1.6 s → 0.6 s).
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _load_text(text, source, os.environ if environ is None else environ)
    finally:
        if collecting:
            gc.enable()


def _load_text(text: str, source: str, environ: Mapping[str, str]) -> LoadedConfig:
    data, lines, issues = parse_yaml(text)
    if data is None and issues:
        raise ConfigError([issue.located(source, issue.line) for issue in issues], source)
    filled = interpolate(data, environ)
    config, problems = validate_document(filled.data, written=data)
    issues += filled.issues + problems
    if filled.secrets:
        # A message may quote a value that came from the environment (a timezone, a name).
        issues = [replace(i, message=mask_text(i.message, filled.secrets)) for i in issues]
    if issues or config is None:
        located = [
            issue.located(source, issue.line or line_of(lines, issue.path)) for issue in issues
        ]
        located.sort(key=lambda issue: issue.line or 0)
        raise ConfigError(located, source)
    return LoadedConfig(
        routing=Routing.from_config(config, frozenset(filled.secrets)), source=source, lines=lines
    )


def parse_yaml(text: str) -> tuple[Any, dict[DocPath, int], list[ConfigIssue]]:
    """The YAML document, the line of each path in it, and duplicate-key or syntax errors."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, {}, [error((), "the file is empty")]
        lines: dict[DocPath, int] = {}
        issues: list[ConfigIssue] = []
        _index(node, (), lines, issues)
        return loader.construct_document(node), lines, issues
    except yaml.MarkedYAMLError as failure:
        mark = failure.problem_mark or failure.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = failure.problem or str(failure)
        return None, {}, [ConfigIssue("error", (), f"YAML syntax: {problem}", line=line)]
    except yaml.YAMLError as failure:
        return None, {}, [error((), f"YAML: {failure}")]
    finally:
        loader.dispose()


def _index(
    node: yaml.Node, path: DocPath, lines: dict[DocPath, int], issues: list[ConfigIssue]
) -> None:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            line = key_node.start_mark.line + 1
            if key in seen:
                issues.append(
                    ConfigIssue(
                        "error",
                        (*path, key),
                        f"duplicate key (first at line {seen[key]})",
                        line=line,
                    )
                )
                # YAML keeps the last value: place errors inside it at its own lines.
                prefix = (*path, key)
                for stale in [p for p in lines if p[: len(prefix)] == prefix]:
                    del lines[stale]
            seen[key] = line
            lines[(*path, key)] = line
            _index(value_node, (*path, key), lines, issues)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _index(item, (*path, index), lines, issues)


def line_of(lines: Mapping[DocPath, int], path: DocPath) -> int | None:
    """The line of ``path``, or of its nearest enclosing place that has one."""
    for end in range(len(path), -1, -1):
        line = lines.get(path[:end])
        if line is not None:
            return line
    return None
