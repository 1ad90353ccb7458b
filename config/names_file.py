"""Reading only the names a routing config file defines, for the producer commands' checks.

``muster declare``, ``ack`` and ``milestone`` refuse a name the config lacks before they send
(:mod:`muster.worker.cli.known`). Loading the whole config for that (every section's models,
the overrides file, the paging index) was most of their time (issue 19): this reads the file as
the loader does — the same YAML parser with its limits and duplicate-key check, the same
``${NAME}`` filling — and validates only the keys that hold names
(:class:`~muster.worker.core.config.names.ConfigNames`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from pydantic import ValidationError

from muster.config.yaml_document import MAX_DOCUMENT_BYTES, parse_yaml
from muster.worker.core.config.interpolation import interpolate
from muster.worker.core.config.names import ConfigNames


def read_names(path: str | os.PathLike[str], environ: Mapping[str, str]) -> ConfigNames | None:
    """The names the config file at ``path`` defines; None when it cannot be read, or its YAML,
    its ``${NAME}`` references or the names' own keys are wrong (the worker judges then)."""
    try:
        with Path(path).open(encoding="utf-8") as file:
            text = file.read(MAX_DOCUMENT_BYTES + 1)  # parse_yaml refuses more, unread
    except (OSError, UnicodeDecodeError):
        return None
    return names_in(text, environ)


def names_in(text: str, environ: Mapping[str, str]) -> ConfigNames | None:
    """The names config ``text`` defines, or None (as :func:`read_names`)."""
    data, _, issues = parse_yaml(text)
    if issues or not isinstance(data, dict):
        return None
    filled = interpolate(data, environ)
    if filled.issues:
        return None
    try:
        return ConfigNames.model_validate(filled.data)
    except ValidationError:
        return None
