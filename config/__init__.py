"""Configuration: the routing config ops edit, and the process settings.

``loader`` turns the YAML file into a :class:`~muster.worker.core.paging.routing.Routing` (YAML →
environment → schema → cross-checks), ``watch`` serves the last good one while the file is
edited, ``settings`` reads every ``MUSTER_*`` variable. ``example.yaml`` is the reference (every
feature used); ``demo.yaml`` delivers to a local outbox for a first run.

Nothing is imported here: a producer that only needs the settings does not load the loader.
"""
