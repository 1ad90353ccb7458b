"""Where muster finds its config: the environment, else defaults that work on a fresh machine."""

from __future__ import annotations

import os
from pathlib import Path

from muster import config as config_package

DEMO_CONFIG = Path(config_package.__file__).with_name("demo.yaml")


def config_path() -> Path:
    """The routing config to serve: ``MUSTER_CONFIG``, else the packaged demo config."""
    configured = os.environ.get("MUSTER_CONFIG")
    return Path(configured) if configured else DEMO_CONFIG
