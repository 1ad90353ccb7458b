"""``${NAME}`` in config strings, filled from an environment mapping passed in.

Secrets (tokens, passwords, account ids) stay out of the files ops edit and review: they come from
the environment at load time. Every value filled in is remembered as a secret, so it can be masked
wherever the config might be printed. A missing variable is an error naming the variable and the
place that wants it; ``$${`` writes a literal ``${``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from muster.worker.core.config.issues import ConfigIssue, Path, error

_REFERENCE = re.compile(r"\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_BROKEN = re.compile(r"(?<!\$)\$\{(?![A-Za-z_][A-Za-z0-9_]*\})")


@dataclass
class Interpolated:
    """The document with variables filled in, the values used, and what was missing."""

    data: Any
    secrets: set[str] = field(default_factory=set)
    issues: list[ConfigIssue] = field(default_factory=list)


def interpolate(document: Any, environ: Mapping[str, str]) -> Interpolated:
    """Fill every ``${NAME}`` in the strings of ``document`` from ``environ``."""
    result = Interpolated(data=None)
    result.data = _walk(document, (), environ, result)
    return result


def _walk(node: Any, path: Path, environ: Mapping[str, str], result: Interpolated) -> Any:
    if isinstance(node, str):
        return _fill(node, path, environ, result)
    if isinstance(node, dict):
        return {
            key: _walk(value, (*path, str(key)), environ, result) for key, value in node.items()
        }
    if isinstance(node, list):
        return [_walk(value, (*path, index), environ, result) for index, value in enumerate(node)]
    return node


def _fill(text: str, path: Path, environ: Mapping[str, str], result: Interpolated) -> str:
    if "$" not in text:
        return text
    if _BROKEN.search(text):
        result.issues.append(error(path, "malformed ${...}: write ${NAME} with letters, digits, _"))

    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        if name is None:
            return "${"
        if name not in environ:
            result.issues.append(error(path, f"environment variable {name} is not set"))
            return match.group(0)
        value = environ[name]
        if value:
            result.secrets.add(value)
        return value

    return _REFERENCE.sub(substitute, text)
