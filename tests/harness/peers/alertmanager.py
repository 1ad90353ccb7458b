"""A real Prometheus Alertmanager (Debian's ``prometheus-alertmanager``, which ``make test``
installs when missing) whose one receiver is a webhook with a bearer token.

Started in a process group of its own with a reaper, so a killed test run leaves none behind;
alerts are posted to its own API (``/api/v2/alerts``), as Prometheus posts them.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
import urllib.request
from contextlib import suppress
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import pytest
import yaml

from tests.harness.peers.common import HOST, free_port
from tests.harness.reaper import guard

BINARY = "prometheus-alertmanager"


class AlertmanagerPeer:
    """Alertmanager routing every alert to ``webhook_url`` with ``token``, grouped by
    ``alertname``, sending resolved notifications; ``repeat`` is its repeat_interval."""

    def __init__(self, folder: Path, webhook_url: str, token: str, repeat: str = "2s") -> None:
        self.folder = folder
        self.port = free_port()
        self.url = f"http://{HOST}:{self.port}"
        self.webhook_url = webhook_url
        self.token = token
        self.repeat = repeat
        self.process: subprocess.Popen[bytes] | None = None
        self.reaper: subprocess.Popen[bytes] | None = None

    def config(self) -> dict[str, Any]:
        return {
            "route": {
                "receiver": "muster",
                "group_by": ["alertname"],
                "group_wait": "0s",
                "group_interval": "1s",
                "repeat_interval": self.repeat,
            },
            "receivers": [
                {
                    "name": "muster",
                    "webhook_configs": [
                        {
                            "url": self.webhook_url,
                            "send_resolved": True,
                            "http_config": {
                                "authorization": {"type": "Bearer", "credentials": self.token}
                            },
                        }
                    ],
                }
            ],
        }

    def start(self, timeout: float = 20.0) -> Self:
        binary = shutil.which(BINARY)
        if binary is None:
            pytest.fail(f"{BINARY} is not installed: `make test` installs it (apt-get)")
        config = self.folder / "alertmanager.yml"
        config.write_text(yaml.safe_dump(self.config()))
        log = (self.folder / "alertmanager.log").open("wb")
        self.process = subprocess.Popen(
            [
                binary,
                f"--config.file={config}",
                f"--storage.path={self.folder / 'am-data'}",
                f"--web.listen-address={HOST}:{self.port}",
                "--cluster.listen-address=",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.reaper = guard(self.process.pid)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.ready():
                return self
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        raise RuntimeError(f"Alertmanager did not start:\n{self.log_text()[-3000:]}")

    def ready(self) -> bool:
        """Whether Alertmanager answers its readiness check."""
        ready = f"{self.url}/-/ready"
        with suppress(OSError), urllib.request.urlopen(ready, timeout=1) as answer:  # noqa: S310
            return bool(answer.status == 200)
        return False

    def post(self, *alerts: dict[str, Any]) -> None:
        """Post alerts to Alertmanager's API, as Prometheus does."""
        request = urllib.request.Request(  # noqa: S310 - loopback
            f"{self.url}/api/v2/alerts",
            data=json.dumps(list(alerts)).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=5) as answer:  # noqa: S310
            assert answer.status == 200, answer.read()

    def fire(self, labels: dict[str, str], annotations: dict[str, str] | None = None) -> None:
        self.post({"labels": labels, "annotations": annotations or {}})

    def resolve(self, labels: dict[str, str]) -> None:
        """End the alert now by Alertmanager's clock (its ``endsAt`` in the past)."""
        ended = datetime.now(UTC).isoformat().replace("+00:00", "Z")
        self.post({"labels": labels, "endsAt": ended})

    def log_text(self) -> str:
        return (self.folder / "alertmanager.log").read_text(errors="replace")

    def stop(self) -> None:
        if self.process is None:
            return
        with suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        if self.reaper is not None:
            self.reaper.wait(timeout=10)
        self.process = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
