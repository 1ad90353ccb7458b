"""What a config edit changes for people (issue 24, ``muster config diff``): whose shifts move,
which policy cells and levels change, and which risks the edit brings that were not there before.

A room of ``checks`` because the risks are the lints of both sides; the shifts are the final
shifts of :mod:`muster.worker.core.paging.duties` on both sides, never a second schedule model.
"""

UNCHANGED, CHANGED, RISKY = 0, 1, 2
"""A diff's exit statuses for CI: nothing changes for people, something does, a new risk (or an
invalid NEW)."""

FORMATS = ("text", "markdown", "json")
"""The formats a diff is written in (here, apart from the engine, for the command's options)."""
