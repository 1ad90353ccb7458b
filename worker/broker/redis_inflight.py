"""Where a Redis message is between leaving its queue and reaching the ``unacked`` set.

kombu takes a message with ``BRPOP`` and writes its ``unacked`` copy in a second command. A
message popped when Redis is killed — its reply lost on the wire, or the worker dead before
the second write — exists nowhere: muster's fault suite lost one declaration in about eight
Redis restarts that way (the append-only file shows the pop, and nothing after it). muster
fetches with ``BLMOVE`` instead, which moves the message atomically into an in-flight list of
the consuming channel's own; the ``unacked`` copy is written and the in-flight copy removed in
one transaction. Whatever an in-flight list still holds was never handed to a task, and goes
back to its queue:

* when its channel closes, or, if Redis is unreachable then, when the process next connects;
* when its channel's *alive* key has expired (the process died): every consuming channel
  refreshes its own key and reclaims dead channels' lists each time kombu checks for messages
  to restore (every ``unacked_restore_interval``), the key living ``visibility_timeout``.

A live worker's list is never reclaimed while its key lives; if it were (a process stalled for
longer than the timeout), the message would run twice, which muster's keyed handlers absorb.
"""

from __future__ import annotations

import uuid
from typing import Any

REGISTRY = "muster.inflight"  # hash: in-flight list key -> the queue key its messages left

# Move everything an in-flight list holds back to its queue, at the end read next, and forget
# the list: one script, so no message is ever in both or in neither.
_PUT_BACK = """
local moved = 0
while true do
  local item = redis.call('RPOP', KEYS[1])
  if not item then break end
  redis.call('RPUSH', KEYS[2], item)
  moved = moved + 1
end
redis.call('DEL', KEYS[3])
redis.call('HDEL', KEYS[4], KEYS[1])
return moved
"""


def alive_key(list_key: str) -> str:
    return f"{list_key}.alive"


def put_back(client: Any, list_key: str, queue_key: str) -> int:
    """Return what ``list_key`` holds to ``queue_key``; how many messages that was."""
    keys = [list_key, queue_key, alive_key(list_key), REGISTRY]
    return int(client.eval(_PUT_BACK, len(keys), *keys))


class InFlight:
    """One consuming channel's in-flight list, named and registered before its first fetch."""

    def __init__(self, ttl: float) -> None:
        self.key = f"muster.inflight.{uuid.uuid4().hex}"
        self.ttl = max(1, int(ttl))
        self.queue_key: str | None = None

    def register(self, client: Any, queue_key: str) -> None:
        """Record which queue this list belongs to and that its channel lives; before the
        first ``BLMOVE``, so a process dying right after it leaves a list someone reclaims."""
        if self.queue_key == queue_key:
            return
        if self.queue_key is not None:
            raise ValueError("one in-flight list serves one queue")
        pipe = client.pipeline()
        pipe.hset(REGISTRY, self.key, queue_key).set(alive_key(self.key), 1, ex=self.ttl)
        pipe.execute()
        self.queue_key = queue_key

    def refresh_and_reclaim(self, client: Any) -> int:
        """Keep this channel's key alive; put back what dead channels' lists hold."""
        if self.queue_key is not None:
            client.set(alive_key(self.key), 1, ex=self.ttl)
        moved = 0
        for raw_key, raw_queue in client.hgetall(REGISTRY).items():
            key, queue = _text(raw_key), _text(raw_queue)
            if key != self.key and not client.exists(alive_key(key)):
                moved += put_back(client, key, queue)
        return moved

    def close(self, client: Any) -> int:
        """Put back what this list holds (the channel is closing)."""
        if self.queue_key is None:
            return 0
        return put_back(client, self.key, self.queue_key)


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
