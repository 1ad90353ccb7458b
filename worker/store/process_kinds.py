"""The kinds of process that keep a liveness row (:mod:`muster.worker.store.processes`), named
apart from it so ``/readyz`` can report on them before it first reads the database (the web
imports SQLAlchemy then, not at start: issue 19, the web's memory)."""

WORKER = "worker"
BEAT = "beat"
KINDS = (WORKER, BEAT)
