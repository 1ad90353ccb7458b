"""The Celery boundary: where every message muster consumes meets its handler.

- ``names``: every task name, the contract's and muster's own (the one place a name is spelled);
- ``contract``: the contract's tasks, one per message a producer sends;
- ``own``: muster's own tasks, which the contract's set going (fan-out, deliveries, beat's);
- ``rejection``: keeping what a task cannot take, as a dead letter;
- ``registry``: the worker's app with every task registered.

This file imports nothing: producers (the client, the web intake) read ``names`` and must not
load the worker's tasks with it.
"""
