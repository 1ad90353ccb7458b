"""A delivery's status and purpose: the one spelling of each.

The values are the strings the ``deliveries`` columns hold (a ``StrEnum`` compares and binds
as its value, so no migration follows from naming them here). They live in the core because
the core decides from them too (a person is unreachable once every kind has ``failed``); the
store's model and every adapter that writes or selects a status or a purpose take them from
here.
"""

from __future__ import annotations

from enum import StrEnum


class DeliveryStatus(StrEnum):
    """Written ``pending`` (or ``sending`` when its own process sends it at once); claimed
    ``sending`` under a lease; ``sent`` or ``failed`` for good once recorded. In a storm a page
    over its person's limit is ``held`` (never claimed) until the digest that folds it in makes
    it ``digested``."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    HELD = "held"
    DIGESTED = "digested"


UNSENT = (DeliveryStatus.PENDING, DeliveryStatus.SENDING)  # waiting to be sent, or being sent


class DeliveryPurpose(StrEnum):
    """Why a delivery is sent: a page to a person (the plan's, an escalation's), a broadcast to
    a room, a customer-update reminder, or the digest of pages held in a storm; and, about no
    incident, a notice that someone's shifts changed, or a test page (``muster test-page``)."""

    PAGE = "page"
    BROADCAST = "broadcast"
    REMINDER = "reminder"
    DIGEST = "digest"
    SHIFT_NOTICE = "shift_notice"
    TEST_PAGE = "test_page"
