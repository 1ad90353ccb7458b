"""Observing a running muster: its metrics (prometheus-client) and its liveness in the database.

Adapters, not core: the core stays free of I/O, and every metric name lives in
:mod:`muster.worker.observe.metrics`.
"""
