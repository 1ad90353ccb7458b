"""Every idempotency key, the delivery reasons keys are made of, and role labels, in one place.

Keys make muster's writes safe to repeat: a redelivered message, a second beat or a worker killed
mid-task decides the same thing again, writes a row with the same key, and the unique index keeps
one. Two places that spell a key differently would page someone twice, so each is spelled here
only.
"""

from __future__ import annotations

from datetime import datetime


def role_label(role: str, service: str | None) -> str:
    """``incident_commander``, or ``sme:payments-api`` for a service's SMEs."""
    return role if not service else f"{role}:{service}"


# Delivery rows ------------------------------------------------------------------------------


def page_key(incident_id: str, purpose: str, person: str, kind: str, reason: str) -> str:
    """One page (or reminder) to one person by one contact kind, for one reason."""
    return f"{incident_id}:{purpose}:{person}:{kind}:{reason}"


def broadcast_key(incident_id: str, destination: str, reason: str) -> str:
    """One broadcast to one room, for one reason."""
    return f"{incident_id}:broadcast:{destination}:{reason}"


def silence_delivery_key(ident: str, event: str, destination: str) -> str:
    """One announcement of silence ``ident`` (``event``: created, ended, reminder) to one
    room or person-and-kind: a delivery about no incident."""
    return f"silence:{ident}:{event}:{destination}"


def silence_delivery_reason(event: str) -> str:
    """The reason of a silence's announcements of ``event``."""
    return f"silence:{event}"


def window_delivery_key(name: str, starts: datetime, edge: str, destination: str) -> str:
    """One announcement of window ``name``'s occurrence starting at ``starts`` (``edge``:
    started, ended, reminder) to one room or person-and-kind: a delivery about no incident."""
    return f"window:{name}:{starts.isoformat()}:{edge}:{destination}"


def window_delivery_reason(edge: str) -> str:
    """The reason of a window's announcements of ``edge``."""
    return f"window:{edge}"


def joined_reason(joining: str) -> str:
    """The reason of the pages a declaration that joined by fingerprint (``joining``: its id)
    owed by making the incident worse."""
    return f"joined:{joining}"


def milestone_reason(kind: str, milestone: str) -> str:
    """The reason of the pages a milestone needs, by its kind and its milestone id (else the
    broker's message id)."""
    return f"{kind}:{milestone}"


def escalation_reason(label: str, step_id: str) -> str:
    """The reason of the pages an escalation step sends (``label``: the chain's role label)."""
    return f"escalation:{label}:{step_id}"


def reminder_reason(due_at: datetime) -> str:
    """The reason of the customer-update reminder due at ``due_at``."""
    return f"reminder:{due_at.isoformat()}"


def digest_reason(kind: str, opened_at: datetime) -> str:
    """The digest of the window of ``kind`` opened at ``opened_at`` (its delivery's reason)."""
    return f"digest:{kind}:{opened_at.isoformat()}"


def shift_notice_reason(change: str) -> str:
    """The reason of the notices of one change of who holds what: an override's id and whether
    it was added or removed (``ov-1a2b:added``), or a config edit's pair of hashes."""
    return f"shifts:{change}"


def edit_change(old_sha256: str, new_sha256: str) -> str:
    """The change a config edit is, for :func:`shift_notice_reason`: the pair of the two
    versions' hashes, so an edit is told once however often ``config diff --notify`` runs."""
    return f"edit:{old_sha256[:16]}:{new_sha256[:16]}"


def shift_notice_key(reason: str, person: str, kind: str) -> str:
    """One shift notice to one person by one contact kind (no incident: a change of shifts is
    told once per person, whatever redelivers it)."""
    return f"{reason}:{person}:{kind}"


def page_test_reason(token: str) -> str:
    """The reason of one run of ``muster test-page`` (``token``: fresh each run, so every run
    is a test of its own)."""
    return f"test-page:{token}"


def page_test_key(person: str, kind: str, token: str) -> str:
    """One test page to one person by one contact kind, in the run ``token``."""
    return f"{page_test_reason(token)}:{person}:{kind}"


NOTICE_REASON = "unreachable:"


def notice_reason(first_delivery_id: int) -> str:
    """The reason of the notice that a page could not be delivered, named by the page's first
    delivery: one notice per failed page, however many of its kinds' failures are recorded."""
    return f"{NOTICE_REASON}{first_delivery_id}"


def delivery_entry_key(delivery_id: int, kind: str, attempts: int) -> str:
    """The timeline entry of a delivery's outcome after ``attempts`` tries."""
    return f"delivery:{delivery_id}:{kind}:{attempts}"


# Holds (maintenance windows, silences) --------------------------------------------------------


def held_declaration_key(incident_id: str) -> str:
    """A declaration held at its instant: its ``held_incidents`` row, and its timeline entry."""
    return f"{incident_id}:held"


def paused_key(incident_id: str, hold_kind: str, hold_name: str, starts: datetime) -> str:
    """An incident's escalations paused by one occurrence of a hold (``existing: pause``)."""
    return f"{incident_id}:paused:{hold_kind}:{hold_name}:{starts.isoformat()}"


def released_key(held_key: str) -> str:
    """The timeline entry of a hold's release (or resumption): what its end did."""
    return f"{held_key}:released"


RELEASED_PREFIX = "released:"


def released_reason(hold_kind: str, hold_name: str) -> str:
    """The reason of the pages a held declaration sends once ``hold`` no longer holds it."""
    return f"{RELEASED_PREFIX}{hold_kind}:{hold_name}"


def released_room_key(hold_kind: str, hold_name: str, room: str, first_incident_id: str) -> str:
    """One room's one line about several releases of a hold at once (the first incident of
    them, by id, tells one batch from a later one)."""
    return f"{released_reason(hold_kind, hold_name)}:room:{room}:{first_incident_id}"


def released_hold(reason: str) -> str | None:
    """``window NAME`` from a page's :func:`released_reason` (None: not a release's page)."""
    if not reason.startswith(RELEASED_PREFIX):
        return None
    kind, _, name = reason.removeprefix(RELEASED_PREFIX).partition(":")
    return f"{kind} {name}"


HELD_REASON = "held"  # the reason of the one-line broadcast of a declaration held at its instant

# The timeline kinds of holds: a declaration held, escalations paused, and either released.
HELD_KIND = "held"
PAUSED_KIND = "escalation_paused"
RELEASED_KIND = "hold_released"


# Timers -------------------------------------------------------------------------------------


def chain_timer_key(incident_id: str, role: str, service: str | None) -> str:
    """The escalation timer of one chain (a role's, or a service's SMEs')."""
    return f"{incident_id}:escalation:{role_label(role, service)}"


def summary_timer_key(incident_id: str) -> str:
    """The incident's periodic summary timer."""
    return f"{incident_id}:summary"


def reminder_timer_key(incident_id: str) -> str:
    """The incident's customer-update reminder timer."""
    return f"{incident_id}:reminder"


# Timeline entries ---------------------------------------------------------------------------


def declared_key(incident_id: str) -> str:
    """The declaration's timeline entry."""
    return f"{incident_id}:declared"


def joined_key(incident_id: str, joining: str) -> str:
    """A declaration that joined an open incident by fingerprint (``joining``: its id)."""
    return f"{incident_id}:joined:{joining}"


def milestone_key(incident_id: str, milestone: str) -> str:
    """A milestone, by its milestone id (else the broker's message id)."""
    return f"{incident_id}:milestone:{milestone}"


def join_upgrade_key(incident_id: str, joining: str) -> str:
    """How a declaration that joined by fingerprint (``joining``: its id) made the incident
    worse: the redefinition it caused."""
    return f"{joined_key(incident_id, joining)}:upgrade"


def disarmed_key(redefinition_key: str) -> str:
    """The escalation chains a redefinition (a milestone's, or a join's: its entry's key)
    disarmed."""
    return f"{redefinition_key}:disarmed"


def ack_key(incident_id: str, person: str, role: str | None) -> str:
    """A person's acknowledgement, for one role or all (``*``)."""
    return f"{incident_id}:ack:{person}:{role or '*'}"


def unpaged_ack_key(incident_id: str, person: str, role: str | None) -> str:
    """An acknowledgement from someone not paged for the incident: a note, kept apart from
    ``ack_key`` so their acknowledgement once paged still counts."""
    return f"{incident_id}:ack-unpaged:{person}:{role or '*'}"


def unreachable_key(incident_id: str, first_delivery_id: int) -> str:
    """A page no contact kind delivered (and whom that was told), by its first delivery."""
    return f"{incident_id}:unreachable:{first_delivery_id}"


def untold_key(incident_id: str, reason: str) -> str:
    """Every notice of ``reason`` (see :func:`notice_reason`) failed too: nobody was told."""
    return f"{incident_id}:untold:{reason}"


def resolved_key(incident_id: str) -> str:
    """The resolution."""
    return f"{incident_id}:resolved"


def summary_entry_key(incident_id: str, slot: str) -> str:
    """A summary sent for one slot (its due time, or ``final``)."""
    return f"{incident_id}:summary:{slot}"


def escalated_key(timer_key: str, step_id: str) -> str:
    """An escalation step that paged someone, under its chain's timer."""
    return f"{timer_key}:{step_id}"


def escalation_gap_key(timer_key: str, step_id: str) -> str:
    """An escalation step with nobody on call, skipped for the next."""
    return f"{escalated_key(timer_key, step_id)}:gap"


def exhausted_key(timer_key: str, generation: int) -> str:
    """A chain that ran out of steps with nobody acknowledging, once per generation of the chain
    (a redefinition re-arms it: generation 0 is spelled without a suffix)."""
    return f"{timer_key}:exhausted" + (f":g{generation}" if generation else "")


def reminder_entry_key(timer_key: str, due_at: datetime) -> str:
    """A customer-update reminder sent for its due time."""
    return f"{timer_key}:{due_at.isoformat()}"


def digest_entry_key(incident_id: str, reason: str, person: str) -> str:
    """An incident folded into ``person``'s digest (``reason``: the digest's, see
    :func:`digest_reason`)."""
    return f"{incident_id}:{reason}:{person}"
