"""Config problems as data: each names its place in the document and, once loaded, file and line.

Errors stop a config from serving; warnings (valid but dangerous) are shown by ``muster config
check`` and logged on reload. Both carry a dotted path (``services.payments-api.smes``) so ops can
find the culprit even where no line is known.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

PathPart = str | int
Path = tuple[PathPart, ...]


def format_path(path: Path) -> str:
    """``("overrides", 0, "person")`` → ``overrides[0].person``."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text or "(document)"


@dataclass(frozen=True, slots=True)
class ConfigIssue:
    """One error or warning about a config, with where it is."""

    level: Literal["error", "warning"]
    path: Path
    message: str
    file: str | None = None
    line: int | None = None

    def located(self, file: str | None, line: int | None) -> ConfigIssue:
        """The same issue, placed in a file at a line."""
        return replace(self, file=file, line=line)

    def __str__(self) -> str:
        where = self.file or "<config>"
        if self.line is not None:
            where += f":{self.line}"
        return f"{where}: {self.level}: {format_path(self.path)}: {self.message}"


def error(path: Path, message: str) -> ConfigIssue:
    """An error at ``path``."""
    return ConfigIssue("error", path, message)


def warning(path: Path, message: str) -> ConfigIssue:
    """A warning at ``path``."""
    return ConfigIssue("warning", path, message)


class ConfigError(Exception):
    """A config that must not serve, with every error found (not just the first)."""

    def __init__(self, issues: Sequence[ConfigIssue], source: str | None = None) -> None:
        self.issues = tuple(issues)
        self.source = source
        errors = [issue for issue in self.issues if issue.level == "error"]
        head = f"{source or 'config'}: {len(errors)} error{'s' if len(errors) != 1 else ''}"
        super().__init__("\n".join([head, *(f"  {issue}" for issue in errors)]))

    @property
    def errors(self) -> tuple[ConfigIssue, ...]:
        """Only the errors, in document order."""
        return tuple(issue for issue in self.issues if issue.level == "error")
