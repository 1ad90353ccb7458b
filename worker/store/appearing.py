"""Waiting a bounded short time for an incident to appear in the database.

A script declares and at once posts a milestone for the id it was given; the worker may not have
committed the declaration yet. Whoever refuses an unknown incident id (the web's 404, the CLI's
exit 1) asks again for a moment before saying it is unknown, so such a script is never refused.
"""

from __future__ import annotations

import time
from collections.abc import Callable

EVERY = 0.1  # seconds between two reads


def appears(
    found: Callable[[], bool],
    within: float,
    every: float = EVERY,
    monotonic: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> bool:
    """Whether ``found()`` holds now or within ``within`` seconds (asked every ``every``); its
    exceptions (a database that cannot be read) are the caller's to judge."""
    deadline = monotonic() + within
    while True:
        if found():
            return True
        left = deadline - monotonic()
        if left <= 0:
            return False
        sleep(min(every, left))
