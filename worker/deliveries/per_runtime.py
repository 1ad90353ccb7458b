"""One helper object per runtime (a lease keeper, a recorder), held weakly.

A worker process has one runtime, so in production each is one per process; tests make and drop
runtimes, and a helper must not keep theirs alive: each lives while something holds it (its own
thread does while it works).
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from typing import Generic, Protocol, TypeVar

from muster.worker.runtime import Runtime


class _Of(Protocol):
    rt: Runtime


H = TypeVar("H", bound=_Of)


class PerRuntime(Generic[H]):
    """Finds, or makes with ``make``, the one ``H`` of a runtime."""

    def __init__(self, make: Callable[[Runtime], H]) -> None:
        self._make = make
        self._found: weakref.WeakValueDictionary[int, H] = weakref.WeakValueDictionary()
        self._lock = threading.Lock()

    def __call__(self, rt: Runtime) -> H:
        with self._lock:
            found = self._found.get(id(rt))
            if found is None or found.rt is not rt:
                found = self._found[id(rt)] = self._make(rt)
            return found
