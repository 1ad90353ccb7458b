"""YAML written to hurt the loader, for the tests that it is refused cheaply wherever a config is
read (``config check``, ``muster worker`` starting, the loader itself)."""

from __future__ import annotations


def alias_bomb(levels: int) -> str:
    """The billion laughs: each level an anchored list of nine aliases of the level before."""
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, levels):
        aliases = ",".join(f"*a{level - 1}" for _ in range(9))
        lines.append(f"a{level}: &a{level} [{aliases}]")
    return "\n".join(lines) + "\n"
