"""The one check of a message's names against the routing config (web 422, CLI exit 1, worker
dead letter): a name the config defines passes, any other is named with what to use instead."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from muster.worker.core.intake.message_names import refusal, unknown_names
from muster.worker.core.paging.routing import Routing
from muster.worker.messages import Acknowledged, Declared, Heartbeat, Milestone

names = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1, max_size=30)


def declared(impact: str, urgency: str) -> Declared:
    return Declared.model_construct(title="t", impact=impact, urgency=urgency, services=["x"])


def engage(people: list[str]) -> Milestone:
    return Milestone.model_construct(incident_id="inc-1", kind="engage", text="t", people=people)


@given(data=st.data())
def test_the_config_s_own_impacts_and_urgencies_pass(example: Routing, data: st.DataObject) -> None:
    severity = example.config.severity
    impact = data.draw(st.sampled_from(severity.impacts))
    urgency = data.draw(st.sampled_from(severity.urgencies))
    assert refusal(example.config, declared(impact, urgency)) is None


@given(impact=names)
def test_any_other_impact_is_named_with_every_defined_one(example: Routing, impact: str) -> None:
    severity = example.config.severity
    if impact in severity.matrix:
        return
    reason = refusal(example.config, declared(impact, severity.urgencies[0]))
    assert reason == f"unknown impact {impact!r}: the config defines {', '.join(severity.impacts)}"


@given(known=st.data(), unknown=st.lists(names, max_size=4))
def test_exactly_the_unknown_people_of_an_engagement_are_named(
    example: Routing, known: st.DataObject, unknown: list[str]
) -> None:
    people = example.config.people
    members = known.draw(st.lists(st.sampled_from(sorted(people)), max_size=4))
    strangers = [person for person in unknown if person not in people]
    named = unknown_names(example.config, engage(members + unknown))
    assert [name.value for name in named] == list(dict.fromkeys(strangers))
    assert all(name.what == "person" for name in named)


def test_a_near_miss_of_a_person_gets_a_suggestion(example: Routing) -> None:
    person = sorted(example.config.people)[0]
    ack = Acknowledged.model_construct(incident_id="inc-1", person=person + "x")
    reason = refusal(example.config, ack, where="the routing config demo.yaml")
    assert reason == (
        f"unknown person {person + 'x'!r}: not in the routing config demo.yaml "
        f"(did you mean {person!r}?)"
    )


def test_several_unknown_names_are_one_line(example: Routing) -> None:
    reason = refusal(example.config, declared("apocalyptic", "yesterday"))
    assert reason is not None
    assert reason.count("unknown ") == 2
    assert "\n" not in reason


def test_an_unknown_heartbeat_monitor_lists_the_defined_ones(example: Routing) -> None:
    reason = refusal(example.config, Heartbeat.model_construct(name="nope"))
    defined = ", ".join(sorted(example.config.heartbeats)) or "none"
    assert reason == f"unknown heartbeat 'nope': the config defines {defined}"


def test_a_role_change_names_an_unknown_role_and_person(example: Routing) -> None:
    change = Milestone.model_construct(
        incident_id="inc-1", kind="role_change", text="t", role="chef", person="zed"
    )
    assert [(name.what, name.value) for name in unknown_names(example.config, change)] == [
        ("role", "chef"),
        ("person", "zed"),
    ]
