"""A process as a production install would run it: without what only the dev extras install.

The bench venv holds the dev extras (pytest, mkdocs, schemathesis...), and some libraries import
what they find: structlog's console renderer imports rich, Pygments and colorama when they are
installed (3.7 MB in a web process). ``pip install muster`` installs none of them, so a bench that
judges a process's memory hides them from it: a ``sitecustomize`` on its ``PYTHONPATH`` makes
every top-level module that only distributions outside muster's runtime requirements provide
unimportable, as if not installed. Which ones is computed from the installed metadata, so it
follows ``pyproject.toml`` without a list to keep.
"""

from __future__ import annotations

from collections.abc import Iterable
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

SITECUSTOMIZE = """import sys
for name in {names!r}:
    sys.modules.setdefault(name, None)  # type: ignore[arg-type]
"""


def runtime_distributions(root: str = "muster") -> set[str]:
    """The canonical names of ``root`` and every distribution its runtime requirements pull in
    (with the extras they ask for), but none that only an extra of ``root`` itself adds."""
    found: set[str] = set()
    pending: list[tuple[str, frozenset[str]]] = [(root, frozenset())]
    while pending:
        name, extras = pending.pop()
        key = canonicalize_name(name)
        try:
            requirements = metadata.requires(name) or []
        except metadata.PackageNotFoundError:
            continue
        if key in found and not extras:
            continue
        found.add(key)
        for line in requirements:
            requirement = Requirement(line)
            marker = requirement.marker
            if marker is not None and not any(
                marker.evaluate({"extra": extra}) for extra in ("", *extras)
            ):
                continue
            pending.append((requirement.name, frozenset(requirement.extras)))
    return found


def hidden_modules(keep: Iterable[str] = ()) -> list[str]:
    """Top-level modules installed only by distributions outside :func:`runtime_distributions`
    (pip's and setuptools' own stay: the interpreter's start-up may use them)."""
    runtime = runtime_distributions() | {canonicalize_name(name) for name in keep}
    runtime |= {"pip", "setuptools", "wheel"}
    hidden = []
    for module, distributions in metadata.packages_distributions().items():
        if not module.isidentifier():
            continue
        if all(canonicalize_name(name) not in runtime for name in distributions):
            hidden.append(module)
    return sorted(hidden)


def production_path(folder: Path) -> tuple[Path, list[str]]:
    """A folder holding the ``sitecustomize`` that hides :func:`hidden_modules`, to put first on
    a process's ``PYTHONPATH``; and the modules it hides."""
    names = hidden_modules()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "sitecustomize.py").write_text(SITECUSTOMIZE.format(names=names))
    return folder, names
