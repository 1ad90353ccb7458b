"""The core stays pure: importing it pulls in no broker, channel, database or YAML library."""

from __future__ import annotations

import subprocess
import sys


def test_core_imports_no_adapter_library() -> None:
    """``worker.core`` must not import celery, kombu, apprise, yaml or sqlalchemy."""
    code = (
        "import sys, pkgutil, importlib, muster.worker.core\n"
        "for m in pkgutil.iter_modules(muster.worker.core.__path__):\n"
        "    importlib.import_module('muster.worker.core.' + m.name)\n"
        "bad = sorted(n for n in sys.modules if n.split('.')[0] in "
        "{'celery', 'kombu', 'apprise', 'yaml', 'sqlalchemy', 'structlog', 'click'})\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""
