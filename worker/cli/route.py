"""``muster route``: the dry run of "who would be paged", before and after every config edit.

It answers for roles, rotations, overrides and people together: the severity the matrix gives,
who is paged now for which role and by which contact kinds (with fallbacks), gaps, where the
broadcasts go, and the escalation timeline should nobody acknowledge, each step resolved at its
own future instant; first, which maintenance window or silence would hold the page at that
instant (:mod:`muster.worker.cli.route_holds`). Every URL it prints is masked.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from muster.worker.cli.common import CONFIG_OPTION, load_or_exit, parse_at
from muster.worker.cli.route_holds import hold_lines, holds_report
from muster.worker.cli.route_limits import limit_lines, limits_report
from muster.worker.core.config.durations import format_duration
from muster.worker.core.config.masking import mask_url
from muster.worker.core.paging.escalation import escalation_timeline
from muster.worker.core.paging.incident import Incident
from muster.worker.core.paging.keys import role_label
from muster.worker.core.paging.plan import EscalationStep, PagePlan, build_page_plan
from muster.worker.core.paging.rooms import incident_rooms
from muster.worker.core.paging.routing import Routing, RoutingError
from muster.worker.core.rendering.listing import role_title


@click.command("route")
@click.option("--impact", help="Impact level, as the config's severity.impacts.")
@click.option("--urgency", help="Customer urgency, as severity.urgencies.")
@click.option(
    "--service",
    "services",
    multiple=True,
    help="An impacted service (repeat for several).",
)
@click.option(
    "--alert",
    "alert_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="An Alertmanager or Grafana webhook body (JSON): what it would page, instead of "
    "--impact/--urgency/--service.",
)
@click.option(
    "--caller", default="alertmanager", show_default=True, help="The intake caller it came from."
)
@click.option(
    "--heartbeat",
    "heartbeat",
    default=None,
    help="A heartbeat monitor of the config: what its miss would page, instead of "
    "--impact/--urgency/--service.",
)
@click.option(
    "--at",
    "at_text",
    default=None,
    help="When to resolve rotations: RFC 3339, a config-timezone wall time, or now.",
)
@CONFIG_OPTION
@click.option(
    "--format", "output", type=click.Choice(["text", "json"]), default="text", show_default=True
)
def route(
    impact: str | None,
    urgency: str | None,
    services: tuple[str, ...],
    alert_file: Path | None,
    caller: str,
    heartbeat: str | None,
    at_text: str | None,
    config_file: Path | None,
    output: str,
) -> None:
    """Show who would be paged for an incident, and how it would escalate."""
    loaded = load_or_exit(config_file)
    routing = loaded.routing
    at = parse_at(at_text, loaded)
    title, declared = "dry run", None
    if alert_file is not None:
        from muster.worker.cli.route_inputs import alert_declaration

        declared = alert_declaration(routing, alert_file, caller)
        if declared is None:
            click.echo("a resolved notification: it resolves its group's open incident")
            return
        impact, urgency = declared["impact"], declared["urgency"]
        services, title = tuple(declared["services"]), declared["title"]
    missed = None
    if heartbeat is not None:
        from muster.worker.cli.route_inputs import heartbeat_declaration

        missed = heartbeat_declaration(routing, heartbeat, at)
        impact, urgency = missed["impact"], missed["urgency"]
        services, title = tuple(missed["services"]), missed["title"]
    if impact is None or urgency is None or not services:
        raise click.UsageError(
            "give --impact, --urgency and --service, or --alert FILE, or --heartbeat NAME"
        )
    incident = Incident(
        id="dry-run", title=title, impact=impact, urgency=urgency, services=services
    )
    try:
        plan = build_page_plan(routing, incident, at)
    except RoutingError as problem:
        raise click.UsageError(str(problem)) from None
    steps = escalation_timeline(routing, plan)
    report = route_report(routing, plan, steps)
    labels = (declared or missed or {}).get("labels") or {}
    report["holds"] = holds_report(routing, services, plan.severity, labels, at)
    if declared is not None:
        from muster.worker.cli.route_inputs import ALERT_KEYS

        report["alert"] = {key: declared.get(key) for key in ALERT_KEYS}
    if missed is not None and heartbeat is not None:
        monitor = routing.config.heartbeats[heartbeat]
        report["heartbeat"] = {
            "name": heartbeat,
            "every": format_duration(monitor.every),
            "grace": format_duration(monitor.grace),
            "title": missed["title"],
            "fingerprint": missed["fingerprint"],
        }
    if output == "json":
        click.echo(json.dumps(report, indent=2))
    else:
        if declared is not None:
            click.echo(f"alert group -> {declared['title']!r} ({declared['fingerprint']})\n")
        if "heartbeat" in report:
            hb = report["heartbeat"]
            click.echo(
                f"heartbeat {hb['name']} silent past every {hb['every']} + grace {hb['grace']}"
                f" -> {hb['title']!r}\n"
            )
        lines = format_report(routing, report).split("\n")
        lines[3:3] = hold_lines(report["holds"], routing.config.zone)  # after the services
        click.echo("\n".join(lines))


def route_report(
    routing: Routing, plan: PagePlan, steps: tuple[EscalationStep, ...]
) -> dict[str, Any]:
    """The dry run as plain JSON-ready data: the contract scripts rely on."""
    people = routing.config.people
    return {
        "at": _iso(plan.at),
        "timezone": routing.config.timezone,
        "severity": plan.severity,
        "impact": plan.impact,
        "urgency": plan.urgency,
        "via": list(plan.via),
        "ack_within": format_duration(plan.ack_within) if plan.ack_within else None,
        "services": [
            {"service": r.service, "known": r.known, "handled_by": r.handled_by}
            for r in plan.services
        ],
        "pages": [
            {
                "person": page.person,
                "name": page.name,
                "roles": [a.label for a in page.assignments],
                "rotations": [a.rotation for a in page.assignments],
                "contacts": [{"kind": c.kind, "requested": c.requested} for c in page.contacts],
                "unreachable": list(page.unreachable),
            }
            for page in plan.pages
        ],
        "gaps": [
            {
                "role": g.role,
                "service": g.service,
                "rotation": g.rotation,
                "covered_by": g.covered_by,
            }
            for g in plan.gaps
        ],
        "broadcasts": _broadcasts(routing, plan),
        "limits": limits_report(routing, plan),
        "escalation": [
            {
                "after": format_duration(s.after),
                "at": _iso(s.at),
                "role": s.role,
                "service": s.service,
                "level": s.level,
                "round": s.round,
                "rotation": s.rotation,
                "person": s.person,
                "name": people[s.person].name if s.person else None,
            }
            for s in steps
        ],
        "escalation_repeats": routing.config.escalation.repeat,
    }


def format_report(routing: Routing, report: dict[str, Any]) -> str:
    """The dry run for a person at a terminal."""
    zone = routing.config.zone
    at = datetime.fromisoformat(report["at"])
    lines = [
        f"{report['severity']}  (impact {report['impact']} x urgency {report['urgency']})",
        f"at {at:%Y-%m-%d %H:%M} UTC = {at.astimezone(zone):%Y-%m-%d %H:%M} {report['timezone']}",
        "services: "
        + ", ".join(
            s["service"] if s["known"] else f"{s['service']} (UNKNOWN -> {s['handled_by']})"
            for s in report["services"]
        ),
        "",
        f"paged now by {', '.join(report['via'])}:",
    ]
    width = max((len(f"{p['name']} ({p['person']})") for p in report["pages"]), default=0)
    for page in report["pages"]:
        who = f"{page['name']} ({page['person']})".ljust(width)
        roles = ", ".join(role_title(role) for role in page["roles"])
        kinds = ", ".join(
            c["kind"] if c["kind"] == c["requested"] else f"{c['kind']} (for {c['requested']})"
            for c in page["contacts"]
        )
        unreachable = (
            f"  UNREACHABLE by {', '.join(page['unreachable'])}" if page["unreachable"] else ""
        )
        lines.append(f"  {who}  {roles}: {kinds or 'no contact at all'}{unreachable}")
    if not report["pages"]:
        lines.append("  nobody")
    for gap in report["gaps"]:
        what = role_title(role_label(gap["role"], gap["service"]))
        cover = f"covered by {gap['covered_by']}" if gap["covered_by"] else "NOBODY covers it"
        lines.append(f"  gap: {what} - nobody on call in {gap['rotation']}; {cover}")
    lines += limit_lines(report["limits"])
    if report["broadcasts"]:
        lines += ["", "broadcasts:"]
        lines += [f"  {b['name']}: {b['url']}" for b in report["broadcasts"]]
    lines.append("")
    if report["ack_within"] is None:
        lines.append(f"{report['severity']} never escalates (no ack_within).")
    else:
        lines.append(
            f"if nobody acknowledges within {report['ack_within']} (chains repeat "
            f"{report['escalation_repeats']}x):"
        )
        for step in report["escalation"]:
            when = datetime.fromisoformat(step["at"]).astimezone(zone)
            label = role_label(step["role"], step["service"])
            who = f"{step['name']} ({step['person']})" if step["person"] else "NOBODY on call"
            again = " (again)" if step["round"] else ""
            lines.append(
                f"  +{step['after']:<6} {when:%H:%M}  {role_title(label)} -> "
                f"{step['rotation']}{again}: {who}"
            )
    return "\n".join(lines)


def _broadcasts(routing: Routing, plan: PagePlan) -> list[dict[str, str]]:
    """The rooms the worker would broadcast to: the same function decides for both."""
    return [
        {"name": room.label, "url": mask_url(room.url, routing.secrets)}
        for room in incident_rooms(routing, plan)
    ]


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")
