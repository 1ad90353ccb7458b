"""Timers in the database: escalations, summaries and customer-update reminders.

``arm`` sets them inside the transaction of the incident they belong to; ``scan`` (a frequent
beat task) fires the due ones under row locks, each kind in a module of its own (``escalation``,
``summary``, ``reminder``); ``rows`` reads and writes the timer and timeline rows. What a timer
remembers, and the decisions made from it, are pure:
:mod:`muster.worker.core.decisions.timer_state`.
"""
