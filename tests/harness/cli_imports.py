"""What a ``muster`` command imports: run in a fresh interpreter, the heavy packages it loaded
(issue 19: a command imports only what it uses)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.harness.configs import DEMO

# Runs the command in this interpreter, then prints which of the heavy modules it imported.
PROBE = """
import json, sys
from muster.worker.cli import cli
try:
    cli(sys.argv[2:], prog_name="muster")
except SystemExit as done:
    status = done.code
loaded = {name.split(".")[0] for name in sys.modules} | set(sys.modules)
heavy = sorted(loaded & set(json.loads(sys.argv[1])))
print(json.dumps({"status": status, "heavy": heavy}), file=sys.stderr)
"""


def heavy_imports(
    args: list[str], forbidden: list[str], home: Path, status: int = 0, **env: str
) -> list[str]:
    """The ``forbidden`` packages or modules ``muster ARGS`` imported (it must exit
    ``status``)."""
    env = {"MUSTER_HOME": str(home), "MUSTER_CONFIG": str(DEMO), "PATH": "/usr/bin:/bin", **env}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(forbidden), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    report = json.loads(done.stderr.strip().splitlines()[-1])
    assert (report["status"] or 0) == status, done.stdout + done.stderr
    return list(report["heavy"])
