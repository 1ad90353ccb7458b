"""``outbox://``: an Apprise schema that appends each message to a local JSON-lines file.

The demo config delivers every page and broadcast here, so a first run shows exactly what each
person would have received without an account anywhere. The file is ``$MUSTER_OUTBOX``, default
``var/outbox.jsonl``. ``outbox://KIND/ADDRESS`` records the kind and address as given.
"""

from __future__ import annotations

import fcntl
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from apprise.decorators import notify

from muster.channels.targets import OUTBOX_SCHEMA
from muster.config.settings import Settings


def outbox_path() -> Path:
    """Where the outbox file is: ``$MUSTER_OUTBOX``, else ``$MUSTER_HOME/outbox.jsonl``."""
    return Settings().outbox_file


@notify(on=OUTBOX_SCHEMA, name="muster local outbox")
def write_to_outbox(
    body: str, title: str, notify_type: str, meta: dict[str, Any], *args: Any, **kwargs: Any
) -> bool:
    """Append one message to the outbox file; one line, written under an exclusive lock."""
    path = outbox_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    record = {
        "at": datetime.now(UTC).isoformat(),
        "kind": meta.get("host", ""),
        "to": unquote(str(meta.get("fullpath", "")).strip("/")),
        "title": title,
        "body": body,
    }
    with path.open("a", encoding="utf-8") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
    return True
