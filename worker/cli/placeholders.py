"""The environment a config is read with when its secrets are not needed (a check without
secrets, a diff, a producer command's names check): every missing ``${NAME}`` is a visible
placeholder. Kept apart from the loader so a producer command need not import it."""

from __future__ import annotations

from collections.abc import Mapping


class PlaceholderEnviron(dict[str, str]):
    """An environment that answers every missing ``${NAME}`` with a visible placeholder."""

    def __init__(self, real: Mapping[str, str]) -> None:
        super().__init__(real)
        self.missing: list[str] = []

    def __contains__(self, key: object) -> bool:
        return True

    def __missing__(self, key: str) -> str:
        self.missing.append(key)
        return f"<{key}>"
