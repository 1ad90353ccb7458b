"""Arming, moving and stopping an incident's timers, inside the transaction of the change.

Called by the incident handlers: a declaration arms them, a redefinition (or a join that
upgrades the incident) re-paces them to the new level (and disarms the chains its plan no longer
contains), a role change restarts its chain, an acknowledgement stops the chains that paged that
person, a resolution cancels everything.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from muster.worker.core.decisions.timer_state import (
    ACKNOWLEDGED,
    CANCELLED,
    ESCALATION,
    PAUSED,
    PENDING,
    REMINDER,
    SUMMARY,
    ChainState,
    SummaryState,
    chains_not_needed,
    escalated_chains,
    repaced_due,
    summary_due_after_change,
)
from muster.worker.core.paging.keys import chain_timer_key, reminder_timer_key, summary_timer_key
from muster.worker.core.paging.plan import EscalationChain, PagePlan
from muster.worker.core.paging.routing import Routing
from muster.worker.store.models import Incident, Timer
from muster.worker.timers.rows import incident_timers, timer, upsert


def arm_incident(
    session: Session,
    routing: Routing,
    row: Incident,
    plan: PagePlan,
    now: datetime,
    fresh: bool = True,
) -> None:
    """A new incident's timers: an escalation per chain, its summary, its reminder.

    ``fresh``: none can exist yet (a declaration); otherwise (a held declaration released, which
    a redefinition may have armed meanwhile) each is armed anew from ``now``.
    """
    level = routing.level(row.severity).level
    if level.ack_within is not None:
        for chain in escalated_chains(plan):
            _arm_chain(session, row.id, chain, now + level.ack_within, now, fresh=fresh)
    upsert(
        session,
        row.id,
        SUMMARY,
        summary_timer_key(row.id),
        now + level.summary_every,
        SummaryState().to_data(),
        now,
        fresh=fresh,
    )
    if level.customer_update_every is not None:
        _arm_reminder(session, row.id, now + level.customer_update_every, now, fresh=fresh)


def rearm_for_severity(
    session: Session,
    routing: Routing,
    row: Incident,
    plan: PagePlan,
    now: datetime,
    was: timedelta | None,
) -> list[str]:
    """After a redefinition (``was``: the old level's ``ack_within``): chains for new roles and
    services, the kept ones re-paced to the new level from now, new intervals for the summary
    and reminder, and no more escalation for what the new plan dropped. Returns the labels of
    the chains disarmed."""
    level = routing.level(row.severity).level
    timers = {t.key: t for t in incident_timers(session, row.id)}
    disarmed = _rearm_chains(session, row.id, plan, (was, level.ack_within), timers, now)
    summary = timers.get(summary_timer_key(row.id))
    if summary is not None and summary.state == PENDING:
        state = SummaryState.from_data(summary.data)
        summary.due_at = summary_due_after_change(state, row.declared_at, level.summary_every, now)
        summary.updated_at = now
    reminder = timers.get(reminder_timer_key(row.id))
    if level.customer_update_every is None:
        if reminder is not None and reminder.state == PENDING:
            reminder.state, reminder.updated_at = CANCELLED, now
    elif reminder is None or reminder.state != PENDING:
        _arm_reminder(session, row.id, now + level.customer_update_every, now)
    return disarmed


def restart_role_chain(
    session: Session, routing: Routing, row: Incident, role: str, person: str, now: datetime
) -> None:
    """A role handed over: its chain starts again from the new holder."""
    level = routing.level(row.severity).level
    if level.ack_within is None or role not in routing.config.roles:
        return
    config_role = routing.config.roles[role]
    chain = EscalationChain(role, None, (config_role.rotation, *config_role.escalate_to))
    armed = timer(session, chain_timer_key(row.id, role, None))
    if armed is None:
        _arm_chain(session, row.id, ChainState.armed(chain, [person]), now + level.ack_within, now)
        return
    state = ChainState.from_data(armed.data).restarted(chain, person)
    armed.state, armed.data, armed.due_at = PENDING, state.to_data(), now + level.ack_within
    armed.updated_at = now


def acknowledge(
    session: Session, incident_id: str, person: str, role: str | None, now: datetime
) -> list[str]:
    """Stop the escalations that paged ``person`` (for ``role`` only, when given), paused ones
    too (a window's ``existing: pause``); return the labels of the chains stopped."""
    stopped = []
    for armed in incident_timers(session, incident_id):
        if armed.kind != ESCALATION or armed.state not in (PENDING, PAUSED):
            continue
        state = ChainState.from_data(armed.data)
        if state.stopped_by(person, role):
            armed.state, armed.updated_at = ACKNOWLEDGED, now
            stopped.append(state.label)
    return stopped


def cancel_all(session: Session, incident_id: str, now: datetime) -> None:
    """The incident is resolved: no more escalations, summaries or reminders."""
    for armed in incident_timers(session, incident_id):
        if armed.state in (PENDING, PAUSED):
            armed.state, armed.updated_at = CANCELLED, now


def _rearm_chains(
    session: Session,
    incident_id: str,
    plan: PagePlan,
    pace: tuple[timedelta | None, timedelta | None],
    timers: dict[str, Timer],
    now: datetime,
) -> list[str]:
    """Disarm the pending chains ``plan`` does not need (all of them without ``ack_within``);
    re-pace the pending ones it keeps from the old ``ack_within`` to the new (``pace``); arm
    the ones it needs that were never armed, or that an earlier redefinition disarmed."""
    was, ack_within = pace
    armed = [
        (t, ChainState.from_data(t.data))
        for t in timers.values()
        if t.kind == ESCALATION and t.state == PENDING
    ]
    states = [state for _, state in armed]
    unneeded = set(states if ack_within is None else chains_not_needed(states, plan))
    disarmed = []
    for armed_timer, state in armed:
        if state in unneeded:
            armed_timer.state, armed_timer.updated_at = CANCELLED, now
            disarmed.append(state.label)
        elif ack_within is not None:
            armed_timer.due_at = repaced_due(armed_timer.due_at, was, ack_within, now)
            armed_timer.updated_at = now
    if ack_within is not None:
        for chain in escalated_chains(plan):
            known = timers.get(chain_timer_key(incident_id, chain.role, chain.service))
            if known is None:
                _arm_chain(session, incident_id, chain, now + ack_within, now)
            elif known.state == CANCELLED:
                again = ChainState.from_data(known.data).rearmed_as(chain)
                _arm_chain(session, incident_id, again, now + ack_within, now)
    return sorted(disarmed)


def _arm_chain(
    session: Session,
    incident_id: str,
    chain: ChainState,
    due: datetime,
    now: datetime,
    fresh: bool = False,
) -> None:
    key = chain_timer_key(incident_id, chain.role, chain.service)
    upsert(session, incident_id, ESCALATION, key, due, chain.to_data(), now, fresh=fresh)


def _arm_reminder(
    session: Session, incident_id: str, due: datetime, now: datetime, fresh: bool = False
) -> None:
    key = reminder_timer_key(incident_id)
    upsert(session, incident_id, REMINDER, key, due, {}, now, fresh=fresh)
