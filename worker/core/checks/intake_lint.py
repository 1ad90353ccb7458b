"""Warnings about the web intake's callers that are valid but weaker than they look.

A caller that signs without a timestamp header signs only the body: the same request, captured
once, carries a valid signature forever (a captured ``resolved`` resolves the incident again
any day), and nothing can tell it from a replay.
"""

from __future__ import annotations

from muster.worker.core.config.intake import Intake
from muster.worker.core.config.issues import ConfigIssue, warning


def replayable_callers(intake: Intake) -> list[ConfigIssue]:
    """A warning for each caller whose signature has no ``timestamp_header``."""
    return [
        warning(
            ("intake", "callers", name, "signature"),
            "has no timestamp_header, so a captured request can be replayed at any time: set"
            " the header the caller sends its signing time in (Grafana: X-Grafana-Alerting-"
            "Timestamp)",
        )
        for name, caller in intake.callers.items()
        if caller.signature is not None and caller.signature.timestamp_header is None
    ]
