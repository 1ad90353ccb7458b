"""A config file's YAML as plain data, the line of each place in it, and every problem at a line.

YAML is a larger language than a config needs, and each of its corners is a way for an edit to
hurt the process reading it: a value shaped like a date that is no date (``2026-13-45``), a tag
naming a type the value cannot be (``!!int abc``), aliases that expand a few kilobytes into
billions of nodes, nesting deeper than the stack. Each is an error at its line here, found in
bounded time and memory, so that a bad edit is reported and never stops a process.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import yaml
from yaml.constructor import ConstructorError

from muster.worker.core.config.issues import ConfigIssue, error
from muster.worker.core.config.issues import Path as DocPath

MAX_DOCUMENT_BYTES = 16 * 1024 * 1024
"""No real config comes near (10,000 people and 1,000 services are about 2 MB)."""

MAX_VALUES = 500_000
"""Values (YAML nodes) a document may hold, counted from its text before it is parsed (an upper
bound: each value but the first follows one of ``, : - [ { ?``, a mapping's two a ``:``). The
bench's 10,000 people and 1,000 services count about 250,000; two megabytes of ``1,1,1,…``
would take seconds and a gigabyte to parse."""

MAX_ALIASED_NODES = 100_000
"""Nodes a document may reach through its aliases (``*name``): anchors shared as people share
them stay far below; an alias bomb (each level aliasing the one before) is refused at the
alias that crosses it, before anything is expanded."""

_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_Base: type[Any] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _ConfigLoader(_Base):  # type: ignore[misc]
    """YAML's safe loader whose conversions fail as YAML errors at the value's line."""

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)
        except yaml.YAMLError:
            raise
        except (ValueError, TypeError, AttributeError, ArithmeticError, LookupError) as failure:
            tag = node.tag.rsplit(":", 1)[-1]
            shown = repr(node.value) if isinstance(node, yaml.ScalarNode) else "this value"
            raise ConstructorError(
                None, None, f"{shown} is not a valid {tag}: {failure}", node.start_mark
            ) from None

    def construct_timestamp_or_text(self, node: yaml.ScalarNode) -> Any:
        """A date or time, or (shaped like one but naming none, ``2026-13-45``) its text: the
        field it is in then says what is wrong with it, at its own path."""
        if not self.timestamp_regexp.match(node.value):
            return self.construct_yaml_timestamp(node)  # tagged !!timestamp: fails at its line
        try:
            return self.construct_yaml_timestamp(node)
        except (ValueError, OverflowError):
            return str(node.value)


_ConfigLoader.add_constructor(_TIMESTAMP, _ConfigLoader.construct_timestamp_or_text)


class _TooManyAliases(Exception):
    def __init__(self, line: int) -> None:
        super().__init__(line)
        self.line = line


def parse_yaml(text: str) -> tuple[Any, dict[DocPath, int], list[ConfigIssue]]:
    """The YAML document, the line of each path in it, and duplicate-key or syntax errors."""
    if len(text) > MAX_DOCUMENT_BYTES:
        size = f"{MAX_DOCUMENT_BYTES // (1024 * 1024)} MB"
        return None, {}, [_at(1, f"the file is larger than {size}: no config is this big")]
    values = _most_values(text)
    if values > MAX_VALUES:
        message = (
            f"the file holds up to {values:,} values, more than {MAX_VALUES:,}: no config does"
        )
        return None, {}, [_at(1, message)]
    return _parse_bounded(text)


def _most_values(text: str) -> int:
    return 2 * text.count(":") + sum(text.count(mark) for mark in ",-[{?") + 1


def _parse_bounded(text: str) -> tuple[Any, dict[DocPath, int], list[ConfigIssue]]:
    loader = _ConfigLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, {}, [error((), "the file is empty")]
        lines: dict[DocPath, int] = {}
        issues: list[ConfigIssue] = []
        _Indexer(lines, issues).index(node, ())
        return loader.construct_document(node), lines, issues
    except _TooManyAliases as bomb:
        message = (
            f"aliases (*name) expand to more than {MAX_ALIASED_NODES:,} values:"
            " write the values out, or share fewer"
        )
        return None, {}, [_at(bomb.line, message)]
    except yaml.MarkedYAMLError as failure:
        mark = failure.problem_mark or failure.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = failure.problem or str(failure)
        return None, {}, [ConfigIssue("error", (), f"YAML syntax: {problem}", line=line)]
    except yaml.YAMLError as failure:
        return None, {}, [error((), f"YAML: {failure}")]
    except RecursionError:
        return None, {}, [_at(1, "the document is nested too deeply")]
    finally:
        loader.dispose()


def _at(line: int, message: str) -> ConfigIssue:
    return ConfigIssue("error", (), message, line=line)


class _Indexer:
    """Walks the composed nodes once, as the constructed document will be walked: recording
    each path's line, finding duplicate keys, and counting what aliases expand to."""

    def __init__(self, lines: dict[DocPath, int], issues: list[ConfigIssue]) -> None:
        self.lines = lines
        self.issues = issues
        self.seen: set[int] = set()
        self.aliased = 0

    def index(self, node: yaml.Node, path: DocPath, via_alias: bool = False) -> None:
        if id(node) in self.seen and not via_alias:
            via_alias = True  # an alias: this node and all below it are written once, used again
        self.seen.add(id(node))
        if via_alias:
            self.aliased += 1
            if self.aliased > MAX_ALIASED_NODES:
                raise _TooManyAliases(node.start_mark.line + 1)
        lines = self.lines
        lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            seen: dict[str, int] = {}
            for key_node, value_node in node.value:
                key = str(key_node.value)
                line = key_node.start_mark.line + 1
                if key in seen:
                    message = f"duplicate key (first at line {seen[key]})"
                    self.issues.append(ConfigIssue("error", (*path, key), message, line=line))
                    # YAML keeps the last value: place errors inside it at its own lines.
                    prefix = (*path, key)
                    for stale in [p for p in lines if p[: len(prefix)] == prefix]:
                        del lines[stale]
                seen[key] = line
                lines[(*path, key)] = line
                self.index(value_node, (*path, key), via_alias)
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                self.index(item, (*path, index), via_alias)


def line_of(lines: Mapping[DocPath, int], path: DocPath) -> int | None:
    """The line of ``path``, or of its nearest enclosing place that has one."""
    for end in range(len(path), -1, -1):
        line = lines.get(path[:end])
        if line is not None:
            return line
    return None
