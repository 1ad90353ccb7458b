"""A declaration's first page: the one page that goes out before the rest of its fan-out exists.

How soon the first person hears must not grow with the size of the fan-out, nor wait behind
other declarations' bookkeeping, yet the page may not leave before its row is committed (that is
what lets it survive a crash). One path, in the order a declaration takes it:

1. **Which page** -- the head of the level's page list, by its first contact kind: pure, in
   :mod:`muster.worker.core.paging.first_page`.
2. **The first commit** -- the incident, its open fingerprint and that page's row, written
   already claimed by this worker (``sending`` with a lease), in as few round trips as the
   database allows: :mod:`.commit`.
3. **The send** -- the claimed row goes to the process's one sending pool, like every other
   send, in its provider's lane; the declaration waits a short head start for it, then queues
   the rest of its fan-out as a task of its own: :mod:`.send`.
4. **The record** -- the process's recorder records it as it finishes, like every other send,
   marks the incident's ``first_paged_at`` and observes the declared-to-first-page latency
   (:mod:`muster.worker.deliveries.record`); a failed first page gets its fallback there.

A crash anywhere leaves the row claimed: when its lease lapses the sweeper sends it.
"""

from muster.worker.incidents.first_page.send import FirstPage

__all__ = ["FirstPage"]
