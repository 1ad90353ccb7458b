"""``python -m muster.worker.cli``: the ``muster`` command without the console script."""

from muster.worker.cli import main

main()
