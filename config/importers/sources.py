"""The files an import reads, gathered once: Terraform, tfvars, and JSON documents.

The only I/O of an import: a path may be a file or a folder (its ``*.tf``, ``*.tfvars`` and
``*.json``, not recursing, as Terraform reads a module). Each file becomes text or parsed JSON
here, so every translation after it is pure and testable on strings.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SUFFIXES = (".tf", ".tfvars", ".json")
MAX_FILE_BYTES = 20_000_000
"""Larger than any team's Terraform or API dump; a file above it is refused, not read."""


class SourceError(ValueError):
    """A file that cannot be imported: the message names it and says why, in one line."""


@dataclass
class Documents:
    """What the paths held, by kind: (path, text) for Terraform, (path, data) for JSON."""

    terraform: list[tuple[str, str]] = field(default_factory=list)
    tfvars: list[tuple[str, str]] = field(default_factory=list)
    json: list[tuple[str, Any]] = field(default_factory=list)


def _files(paths: Iterable[Path]) -> list[Path]:
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(p for p in path.iterdir() if p.is_file() and p.suffix in SUFFIXES)
        elif path.suffix in SUFFIXES:
            found.append(path)
        elif path.exists():
            raise SourceError(f"{path}: not a .tf, .tfvars or .json file")
        else:
            raise SourceError(f"{path}: no such file or folder")
    return found


def _text(path: Path) -> str:
    try:
        with path.open(encoding="utf-8") as file:
            text = file.read(MAX_FILE_BYTES + 1)
    except OSError as failure:
        raise SourceError(f"{path}: cannot read it ({failure.strerror})") from None
    except UnicodeDecodeError:
        raise SourceError(f"{path}: not UTF-8 text") from None
    if len(text) > MAX_FILE_BYTES:
        raise SourceError(f"{path}: larger than {MAX_FILE_BYTES} bytes")
    return text


def read_documents(paths: Iterable[Path]) -> Documents:
    """Every importable file under ``paths``; :class:`SourceError` for one that is not."""
    documents = Documents()
    for path in _files(paths):
        text = _text(path)
        if path.suffix == ".tf":
            documents.terraform.append((str(path), text))
        elif path.suffix == ".tfvars":
            documents.tfvars.append((str(path), text))
        else:
            try:
                documents.json.append((str(path), json.loads(text)))
            except ValueError as failure:
                raise SourceError(f"{path}: not JSON ({failure})") from None
    if not (documents.terraform or documents.json):
        raise SourceError("no .tf or .json file to import among the paths given")
    return documents
