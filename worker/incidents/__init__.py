"""What each message does to muster's state: one module per message kind.

Each handler takes a validated message and the id the broker gave it, commits everything it
decided (incident, timeline entries, delivery rows with their rendered messages) in one
transaction, and returns an :class:`~muster.worker.incidents.outcome.Outcome`: the deliveries to
enqueue *after* the commit. Every write is keyed, so a redelivered message changes nothing twice.
``declared`` and ``fan_out`` are a declaration's two commits; ``dead_letters`` keeps what cannot
be handled.
"""
