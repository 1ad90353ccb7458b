"""The pure core of muster: config model, severity, rotations, page plans and message rendering.

Nothing in this package reads the clock, the file system, the network or the environment: every
function takes the config and the instant it decides for, and returns plain data. That keeps the
paging decisions testable to the second and the adapters around them thin. A test holds the line:
importing ``worker.core`` must not import celery, apprise, yaml or sqlalchemy.
"""
