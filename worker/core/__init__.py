"""The pure core of muster: from a config and an instant to a plan, a decision or a message.

Nothing in this package reads the clock, the file system, the network or the environment: every
function takes the config and the instant it decides for, and returns plain data. That keeps the
paging decisions testable to the second and the adapters around them thin.

Its rooms, each allowed to import only the rooms below it (an import-linter layers contract):

- ``checks``: config errors and lints;
- ``rendering``: the words people read;
- ``decisions``: timer states, storms, heartbeats;
- ``paging`` and ``intake``, independent of each other: who is paged; what arrives from outside;
- ``config``: the routing config as typed data.
"""
