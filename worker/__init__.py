"""muster: a chat-agnostic incident paging and escalation worker.

The pure routing core lives in :mod:`worker.core`; Celery, the database, the CLI and the producer
client are thin adapters around it.
"""

__version__ = "0.1.0"
