"""muster: chat-agnostic incident paging and escalation.

The code lives in the repository's top-level folders — ``worker/`` (the pure core and the
adapters around it), ``channels/`` (delivery through Apprise) and ``config/`` (the routing
config's loader) — and installs under this one name, ``muster.worker``, ``muster.channels`` and
``muster.config``, so muster claims no generic top-level import names. In a checkout this
folder holds symlinks to them.
"""
