"""muster's worker: the pure routing core (:mod:`muster.worker.core`) and the adapters around it
— Celery tasks, the database, the broker, the CLI and the producer client."""

__version__ = "0.1.0"
