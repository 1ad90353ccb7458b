"""How loud Apprise and the HTTP library under it may log, set without importing Apprise.

Kept apart from the sender so that a process that only sets up logging (the web intake, which
queues and never sends) does not load Apprise and its plugins: about 17 MB a web process.
"""

from __future__ import annotations

import logging


def tame_apprise_logging() -> None:
    """Keep Apprise's logger at WARNING: at DEBUG its plugins log URLs with tokens, and its INFO
    lines ("Sent 1 Signal API notification to +353…") repeat what ``page.sent`` says, with the
    address. Its warnings, which name addresses too, pass through muster's masking. urllib3,
    which Apprise's HTTP plugins send through, is kept at INFO: at DEBUG it logs every request
    line, ``"POST /hooks/<token> HTTP/1.1"``, a token bare with no URL around it to mask (the
    fault suite's canary scan found a webhook token so)."""
    for name, floor in (("apprise", logging.WARNING), ("urllib3", logging.INFO)):
        logger = logging.getLogger(name)
        if logger.getEffectiveLevel() < floor:
            logger.setLevel(floor)
