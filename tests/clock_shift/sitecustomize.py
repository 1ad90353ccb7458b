"""Shift the wall clock of this Python process, and of every Python process it starts.

The shifted-clock test run (``make test-shifted``) puts this folder on ``PYTHONPATH`` and sets
``TEST_CLOCK_SHIFT``: an offset (``+168h``, ``-90m``, ``+2d``) or an instant (RFC 3339, ``Z`` or
an offset required). The first process turns it into ``TEST_CLOCK_OFFSET_SECONDS`` so that every
process it starts — workers, beats, peers — runs with the same offset, not the same instant.

``time-machine`` moves ``time.time()`` and ``datetime.now()`` and leaves the monotonic clock
alone, so sleeps and timed waits keep working (libfaketime does not: under it Python's
``time.sleep`` fails or timed waits hang).
"""

from __future__ import annotations

import os
import re
import time
from datetime import datetime

_OFFSET = "TEST_CLOCK_OFFSET_SECONDS"
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def _offset_seconds(shift: str) -> float:
    """Seconds to add to the real clock for ``shift`` (an offset or an aware instant)."""
    relative = re.fullmatch(r"([+-])(\d+(?:\.\d+)?)([smhdw])", shift.strip())
    if relative:
        sign, amount, unit = relative.groups()
        return (1 if sign == "+" else -1) * float(amount) * _UNITS[unit]
    instant = datetime.fromisoformat(shift.strip().replace("Z", "+00:00"))
    if instant.tzinfo is None:
        raise ValueError(f"TEST_CLOCK_SHIFT={shift!r}: an instant needs Z or an offset")
    return instant.timestamp() - time.time()


def _start() -> None:
    shift = os.environ.get("TEST_CLOCK_SHIFT")
    if not shift:
        return
    if _OFFSET not in os.environ:
        os.environ[_OFFSET] = repr(_offset_seconds(shift))
    # Children started in another working folder (every test worker is) must still find this file.
    paths = os.environ.get("PYTHONPATH", "").split(os.pathsep)
    os.environ["PYTHONPATH"] = os.pathsep.join(os.path.abspath(path) for path in paths if path)
    import time_machine  # noqa: PLC0415 - only a shifted run needs it

    # Kept on the module so the traveller is never collected.
    global _TRAVELLER  # noqa: PLW0603
    _TRAVELLER = time_machine.travel(time.time() + float(os.environ[_OFFSET]), tick=True)
    _TRAVELLER.start()


_TRAVELLER: object = None
_start()
