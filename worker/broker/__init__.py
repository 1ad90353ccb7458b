"""The broker: which transport muster talks to, the Celery app over it, and the embedded default.

``transport`` chooses the broker from the settings; ``app`` builds the Celery app (no tasks: the
worker registers them, producers need none); ``fs_transport`` is the embedded broker, kombu's
filesystem transport written safely; ``recovery`` puts back at start-up what a killed worker had
fetched from it.
"""

from kombu.transport import TRANSPORT_ALIASES

EMBEDDED_SCHEME = "musterfs"
"""The embedded broker's URL scheme (``musterfs://``)."""

# muster's transports, named rather than imported: kombu imports the one a connection uses when it
# connects, so a producer on the embedded broker does not load Redis's client (nor one on Redis
# the filesystem transport), and ``muster declare`` answers at once (issue 19).
TRANSPORT_ALIASES[EMBEDDED_SCHEME] = f"{__name__}.fs_transport:Transport"
for _scheme in ("redis", "rediss"):
    TRANSPORT_ALIASES[_scheme] = f"{__name__}.redis_transport:Transport"
