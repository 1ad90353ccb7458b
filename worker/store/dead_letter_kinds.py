"""What kind of dead letter a kept message is: the one spelling of each (the values are what
``dead_letters.kind`` holds)."""

from __future__ import annotations

from enum import StrEnum


class DeadLetterKind(StrEnum):
    """Why a message was kept instead of handled.

    ``invalid``: muster's handler refused it (the contract, the config, an unknown incident, an
    internal error). ``bad_arguments``: a task called with arguments it does not take. The
    worker's consumer refuses what Celery would drop before any task runs: ``undecodable`` (not
    JSON), ``unknown_task`` (a name no muster task has), ``malformed`` (not a task message).
    ``foreign``: a file the embedded broker cannot read, set aside.
    """

    INVALID = "invalid"
    BAD_ARGUMENTS = "bad_arguments"
    UNDECODABLE = "undecodable"
    UNKNOWN_TASK = "unknown_task"
    MALFORMED = "malformed"
    FOREIGN = "foreign"


# What the consumer refuses, and keeps through muster.dead_letters.keep.
REFUSED = frozenset(
    {DeadLetterKind.UNDECODABLE, DeadLetterKind.UNKNOWN_TASK, DeadLetterKind.MALFORMED}
)
