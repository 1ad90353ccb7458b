"""Loading the routing config ops edit: YAML → environment → schema → cross-checks → Routing.

The YAML files shipped here are ``example.yaml`` (the reference, every feature used) and later
``demo.yaml`` (delivers to local sinks for a first run).
"""

from muster.config.loader import LoadedConfig, load_config, load_text

__all__ = ["LoadedConfig", "load_config", "load_text"]
