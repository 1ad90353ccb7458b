"""``python -m worker.cli``: the ``muster`` command without the console script."""

from worker.cli import main

main()
