"""Holds at run time: maintenance windows (and silences) keeping incidents from paging.

``current`` gathers the holds active at an instant (the one adapter that knows where holds come
from), ``declaration`` records a declaration held at its instant, ``pause`` pauses and resumes the
escalations of incidents that paged before a window with ``existing: pause``, and ``release``
(run by the beat's scan) releases what nothing holds any more, once.
"""
