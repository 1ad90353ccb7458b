"""The routing config as typed data: the schema ops write, its sections, durations and secrets.

The lowest room of the core: everything else decides from a :class:`~.model.RoutingConfig`, and
nothing here knows of pages, incidents or rendering. ``${VAR}`` interpolation and the caller
scopes live here because they are part of what a config document means.
"""
