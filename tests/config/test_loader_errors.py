"""How a broken routing config is reported: every error, at once, at its file, dotted path and line.

Each test writes a real config file (inline YAML, or ``minimal_document()`` with one thing broken),
loads it through the loader ops use, and reads the :class:`ConfigError` the way a person would:
``str(issue)`` must name the file, the line of the culprit and its dotted path, and say what is
wrong (with a "did you mean" when a defined name is close).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import time
from pathlib import Path
from typing import Any

import pytest

from muster.config.loader import LoadedConfig, load_config
from muster.worker.core.config.durations import Handoff
from muster.worker.core.config.issues import ConfigError, ConfigIssue, format_path
from tests.harness.configs import minimal_document

Content = str | dict[str, Any]


@dataclass
class Rejected:
    """A config file that failed to load, and the error it failed with."""

    path: Path
    error: ConfigError

    @property
    def text(self) -> str:
        return self.path.read_text(encoding="utf-8")

    def line(self, needle: str) -> int:
        """The 1-based number of the one line of the file that contains ``needle``."""
        found = [n for n, text in enumerate(self.text.splitlines(), 1) if needle in text]
        assert len(found) == 1, f"{needle!r} is on lines {found} of\n{self.text}"
        return found[0]

    def issues_at(self, dotted: str) -> list[ConfigIssue]:
        """Every error reported at the dotted path ``dotted``."""
        return [issue for issue in self.error.errors if format_path(issue.path) == dotted]

    def expect(self, dotted: str, *, at: str | int | None, says: str) -> ConfigIssue:
        """The error at ``dotted`` on the line holding ``at`` (or line ``at``) saying ``says``.

        Checks the error as a person reads it: ``<file>:<line>: error: <path>: <message>``.
        """
        line = self.line(at) if isinstance(at, str) else at
        where = f"{self.path}:{line}" if line is not None else f"{self.path}"
        candidates = self.issues_at(dotted)
        for issue in candidates:
            text = str(issue)
            if text.startswith(f"{where}: error: {dotted}: ") and says in issue.message:
                return issue
        listing = "\n".join(str(issue) for issue in self.error.issues)
        raise AssertionError(f"no error {where}: {dotted}: ...{says}... in\n{listing}")


Reject = Callable[..., Rejected]


@pytest.fixture
def reject(write_config: Callable[..., Path]) -> Reject:
    """Write ``content`` to a real file, load it, and return the ConfigError it must raise."""

    def load(content: Content, environ: dict[str, str] | None = None) -> Rejected:
        path = write_config(content)
        with pytest.raises(ConfigError) as raised:
            load_config(path, environ or {})
        return Rejected(path, raised.value)

    return load


def doc_with(edit: Callable[[dict[str, Any]], object]) -> dict[str, Any]:
    """``minimal_document()`` with ``edit`` applied to it."""
    document = minimal_document()
    edit(document)
    return document


def with_override(document: dict[str, Any], **fields: str) -> dict[str, Any]:
    """``document`` with one override, ann covering commanders for a day unless ``fields`` say."""
    override = {
        "rotation": "commanders",
        "person": "ann",
        "from": "2026-02-01T09:00",
        "until": "2026-02-02T09:00",
    }
    override.update(fields)
    if "from_" in override:
        override["from"] = override.pop("from_")
    document["overrides"] = [override]
    return document


class TestTheBaseline:
    """The documents the other tests break are themselves valid."""

    def test_minimal_document_loads(self, load_yaml: Callable[..., LoadedConfig]) -> None:
        """``minimal_document()`` as written to a file loads without any error."""
        loaded = load_yaml(minimal_document())
        assert set(loaded.routing.config.services) == {"api"}

    def test_minimal_document_with_an_override_loads(
        self, load_yaml: Callable[..., LoadedConfig]
    ) -> None:
        """The override the override tests start from is valid too."""
        loaded = load_yaml(with_override(minimal_document()))
        assert loaded.routing.config.overrides[0].person == "ann"


class TestUnknownRotation:
    """Every place that names a rotation must name one defined under ``rotations``."""

    def test_role_rotation(self, reject: Reject) -> None:
        """A role held by an undefined rotation is an error at ``roles.<role>.rotation``."""
        rejected = reject(doc_with(lambda d: d["roles"]["commander"].update(rotation="comanders")))
        rejected.expect(
            "roles.commander.rotation",
            at="rotation: comanders",
            says="unknown rotation 'comanders' (did you mean 'commanders'?)",
        )

    def test_role_escalate_to(self, reject: Reject) -> None:
        """Each ``escalate_to`` entry of a role is checked, and reported by its index."""
        rejected = reject(
            doc_with(lambda d: d["roles"]["commander"].update(escalate_to=["managers", "bosses"]))
        )
        rejected.expect(
            "roles.commander.escalate_to[1]", at="- bosses", says="unknown rotation 'bosses'"
        )

    def test_service_smes(self, reject: Reject) -> None:
        """A service whose SMEs are an undefined rotation is an error at ``services.<s>.smes``."""
        rejected = reject(doc_with(lambda d: d["services"]["api"].update(smes="api-oncal")))
        rejected.expect(
            "services.api.smes",
            at="smes: api-oncal",
            says="unknown rotation 'api-oncal' (did you mean 'api-oncall'?)",
        )

    def test_service_escalate_to(self, reject: Reject) -> None:
        """A service's escalation chain may only name defined rotations."""
        rejected = reject(doc_with(lambda d: d["services"]["api"].update(escalate_to=["managrs"])))
        rejected.expect(
            "services.api.escalate_to[0]",
            at="- managrs",
            says="unknown rotation 'managrs' (did you mean 'managers'?)",
        )

    def test_override_rotation(self, reject: Reject) -> None:
        """An override of an undefined rotation is an error at ``overrides[<i>].rotation``."""
        rejected = reject(with_override(minimal_document(), rotation="commandrs"))
        rejected.expect(
            "overrides[0].rotation",
            at="rotation: commandrs",
            says="unknown rotation 'commandrs' (did you mean 'commanders'?)",
        )


class TestUnknownPerson:
    """Rotation members and override swaps must name people defined under ``people``."""

    def test_rotation_member(self, reject: Reject) -> None:
        """A member nobody defined is reported by its index in the member list."""
        rejected = reject(
            doc_with(lambda d: d["rotations"]["commanders"].update(members=["ann", "bem"]))
        )
        rejected.expect(
            "rotations.commanders.members[1]",
            at="- bem",
            says="unknown person 'bem' (did you mean 'ben'?)",
        )

    def test_override_person(self, reject: Reject) -> None:
        """An override handing a rotation to an undefined person is an error."""
        rejected = reject(with_override(minimal_document(), person="zed"))
        rejected.expect("overrides[0].person", at="person: zed", says="unknown person 'zed'")


class TestUnknownRole:
    """A severity level pages roles defined under ``roles``, or the pseudo-role ``sme``."""

    def test_level_page(self, reject: Reject) -> None:
        """An undefined role in ``page`` is reported at its index, suggesting the close name."""
        rejected = reject(
            doc_with(lambda d: d["severity"]["levels"]["SEV1"].update(page=["comander", "sme"]))
        )
        issue = rejected.expect(
            "severity.levels.SEV1.page[0]", at="- comander", says="unknown role"
        )
        assert "'comander'" in issue.message
        assert "did you mean 'commander'?" in issue.message

    def test_sme_is_always_a_role(self, load_yaml: Callable[..., LoadedConfig]) -> None:
        """``sme`` needs no definition: it pages each impacted service's SMEs."""
        loaded = load_yaml(doc_with(lambda d: d["severity"]["levels"]["SEV1"].update(page=["sme"])))
        assert loaded.routing.config.severity.levels["SEV1"].page == ["sme"]


class TestUnknownSeverity:
    """Each matrix cell names a level defined under ``severity.levels``."""

    def test_matrix_cell(self, reject: Reject) -> None:
        """An undefined level in a cell is reported at ``severity.matrix.<impact>.<urgency>``."""
        rejected = reject(doc_with(lambda d: d["severity"]["matrix"]["major"].update(high="SEV9")))
        rejected.expect(
            "severity.matrix.major.high", at="high: SEV9", says="unknown severity level 'SEV9'"
        )


class TestUnknownContactKind:
    """Contact kinds (chat, email…) are the keys of ``contacts``; everything else must use them."""

    def test_level_via(self, reject: Reject) -> None:
        """A level paging via an undefined kind is reported at ``via[<i>]``."""
        rejected = reject(
            doc_with(lambda d: d["severity"]["levels"]["SEV1"].update(via=["chat", "emial"]))
        )
        issue = rejected.expect(
            "severity.levels.SEV1.via[1]", at="- emial", says="unknown contact kind"
        )
        assert "'emial'" in issue.message
        assert "did you mean 'email'?" in issue.message

    def test_person_address_key(self, reject: Reject) -> None:
        """A person's address of an undefined kind is reported at ``people.<person>.<kind>``."""
        rejected = reject(doc_with(lambda d: d["people"]["ann"].update(sms="+15550001")))
        issue = rejected.expect(
            "people.ann.sms", at="sms: '+15550001'", says="unknown contact kind"
        )
        assert "'sms'" in issue.message

    def test_fallback_from_an_unknown_kind(self, reject: Reject) -> None:
        """``contacts.fallback`` may only fall back from a defined kind."""
        rejected = reject(doc_with(lambda d: d["contacts"].update(fallback={"chatt": "email"})))
        rejected.expect(
            "contacts.fallback.chatt",
            at="chatt: email",
            says="unknown contact kind 'chatt' (did you mean 'chat'?)",
        )

    def test_fallback_to_an_unknown_kind(self, reject: Reject) -> None:
        """``contacts.fallback`` may only fall back to a defined kind."""
        rejected = reject(doc_with(lambda d: d["contacts"].update(fallback={"chat": "pager"})))
        rejected.expect(
            "contacts.fallback.chat", at="chat: pager", says="unknown contact kind 'pager'"
        )


class TestSeverityMatrix:
    """The matrix has exactly one cell for every impact × urgency, and no stray rows or columns."""

    def test_missing_cell(self, reject: Reject) -> None:
        """A missing cell is reported at its impact's row, naming the impact and the urgency."""
        rejected = reject(doc_with(lambda d: d["severity"]["matrix"]["minor"].pop("low")))
        rejected.expect(
            "severity.matrix.minor",
            at="    minor:",
            says="matrix has no cell for impact 'minor' × urgency 'low'",
        )

    def test_missing_row(self, reject: Reject) -> None:
        """A whole missing row is one error per urgency, at the matrix itself."""
        rejected = reject(doc_with(lambda d: d["severity"]["matrix"].pop("minor")))
        for urgency in ("high", "low"):
            rejected.expect(
                "severity.matrix.minor",
                at="matrix:",
                says=f"no cell for impact 'minor' × urgency '{urgency}'",
            )

    def test_row_naming_an_unknown_impact(self, reject: Reject) -> None:
        """A row for an impact not in ``severity.impacts`` is an error at that row."""
        rejected = reject(
            doc_with(lambda d: d["severity"]["matrix"].update(majr={"high": "SEV1", "low": "SEV2"}))
        )
        issue = rejected.expect("severity.matrix.majr", at="majr:", says="unknown impact")
        assert "'majr'" in issue.message
        assert "did you mean 'major'?" in issue.message

    def test_cell_naming_an_unknown_urgency(self, reject: Reject) -> None:
        """A column for an urgency not in ``severity.urgencies`` is an error at that cell."""
        rejected = reject(doc_with(lambda d: d["severity"]["matrix"]["major"].update(hihg="SEV1")))
        issue = rejected.expect(
            "severity.matrix.major.hihg", at="hihg: SEV1", says="unknown urgency"
        )
        assert "did you mean 'high'?" in issue.message


class TestFallbackService:
    """``fallback_service`` routes services unknown to the file, so it must be a defined service."""

    def test_undefined_fallback_service(self, reject: Reject) -> None:
        """An undefined fallback service is an error at ``fallback_service``."""
        rejected = reject(doc_with(lambda d: d.update(fallback_service="apii")))
        rejected.expect(
            "fallback_service",
            at="fallback_service: apii",
            says="unknown fallback service 'apii' (did you mean 'api'?)",
        )


class TestTemplatePlaceholders:
    """A contact template's ``{kind}`` placeholders must each name a contact kind."""

    def test_placeholder_naming_no_kind(self, reject: Reject) -> None:
        """``{chats}`` in the chat template is an error at ``contacts.chat``."""
        rejected = reject(
            doc_with(lambda d: d["contacts"].update(chat="json://127.0.0.1/chat/{chats}"))
        )
        rejected.expect(
            "contacts.chat",
            at="chat: json://127.0.0.1/chat/{chats}",
            says="template uses {chats}, which is no contact kind (did you mean 'chat'?)",
        )

    def test_placeholder_may_name_another_kind(
        self, load_yaml: Callable[..., LoadedConfig]
    ) -> None:
        """A template may use the address of another defined kind (chat via the email address)."""
        loaded = load_yaml(
            doc_with(lambda d: d["contacts"].update(chat="json://127.0.0.1/chat/{email}"))
        )
        assert loaded.routing.config.contacts.templates["chat"].endswith("{email}")

    def test_secret_with_braces_is_not_a_placeholder(
        self, load_yaml: Callable[..., LoadedConfig]
    ) -> None:
        """Braces inside a value filled from the environment are not template placeholders."""
        document = doc_with(
            lambda d: d["contacts"].update(email="mailto://u:${SMTP_PASSWORD}@127.0.0.1?to={email}")
        )
        loaded = load_yaml(document, {"SMTP_PASSWORD": "hunter{2}"})
        assert "hunter{2}" in loaded.routing.secrets


class TestDurations:
    """Durations are a number and a unit, largest unit first (``5m``, ``1h30m``, ``2w``)."""

    def test_words_are_not_a_duration(self, reject: Reject) -> None:
        """``ack_within: 5 minutes`` is an error that shows the value and how to write one."""
        rejected = reject(
            doc_with(lambda d: d["severity"]["levels"]["SEV1"].update(ack_within="5 minutes"))
        )
        rejected.expect(
            "severity.levels.SEV1.ack_within",
            at="ack_within: 5 minutes",
            says="'5 minutes' is not a duration: use a number and a unit, e.g. 5m, 1h30m, 2w",
        )

    def test_a_bare_number_has_no_unit(self, reject: Reject) -> None:
        """``ack_within: 5`` is rejected rather than guessed as seconds or minutes."""
        rejected = reject(doc_with(lambda d: d["severity"]["levels"]["SEV1"].update(ack_within=5)))
        rejected.expect(
            "severity.levels.SEV1.ack_within",
            at="ack_within: 5",
            says="5 has no unit: write e.g. 5m or 5s",
        )

    def test_zero_is_not_a_duration(self, reject: Reject) -> None:
        """A period of ``0m`` would page forever: it must be positive."""
        rejected = reject(
            doc_with(lambda d: d["severity"]["levels"]["SEV2"].update(summary_every="0m"))
        )
        rejected.expect(
            "severity.levels.SEV2.summary_every",
            at="summary_every: 0m",
            says="'0m' is not a positive duration",
        )

    def test_units_out_of_order(self, reject: Reject) -> None:
        """``1m1h`` is rejected: units run largest first, so ``m`` can never be misread."""
        rejected = reject(
            doc_with(lambda d: d["rotations"]["commanders"].update(every="1m1h", handoff="09:00"))
        )
        rejected.expect(
            "rotations.commanders.every", at="every: 1m1h", says="'1m1h' is not a duration"
        )

    @pytest.mark.parametrize(
        ("value", "says"), [(1.5, "has no unit"), (-5.0, "has no unit"), (True, "not a duration")]
    )
    def test_a_number_of_any_kind_has_no_unit(
        self, reject: Reject, value: object, says: str
    ) -> None:
        """Floats and booleans are refused like integers, never read as seconds."""
        rejected = reject(
            doc_with(lambda d: d["severity"]["levels"]["SEV1"].update(ack_within=value))
        )
        rejected.expect("severity.levels.SEV1.ack_within", at="ack_within:", says=says)

    def test_an_absurdly_long_duration_is_an_error(self, reject: Reject) -> None:
        """``9999999999w`` is a config error, not a crash."""
        rejected = reject(
            doc_with(lambda d: d["severity"]["levels"]["SEV1"].update(ack_within="9999999999w"))
        )
        rejected.expect(
            "severity.levels.SEV1.ack_within", at="ack_within: 9999999999w", says="9999999999w"
        )


class TestHandoffs:
    """Handoffs are ``HH:MM`` or ``<weekday> HH:MM`` wall-clock times."""

    def test_hour_out_of_range(self, reject: Reject) -> None:
        """``mon 25:00`` is no time of day."""
        rejected = reject(
            doc_with(lambda d: d["rotations"]["commanders"].update(handoff="mon 25:00"))
        )
        rejected.expect(
            "rotations.commanders.handoff",
            at="handoff: mon 25:00",
            says="'mon 25:00' is not a valid wall-clock time",
        )

    def test_unknown_weekday(self, reject: Reject) -> None:
        """``funday 09:00`` names no weekday; the error lists the ones that exist."""
        rejected = reject(
            doc_with(lambda d: d["rotations"]["commanders"].update(handoff="funday 09:00"))
        )
        rejected.expect(
            "rotations.commanders.handoff",
            at="handoff: funday 09:00",
            says="'funday 09:00' names no weekday: use mon, tue, wed, thu, fri, sat or sun",
        )

    def test_unquoted_clock_time_is_read_as_meant(
        self, load_yaml: Callable[..., LoadedConfig]
    ) -> None:
        """YAML 1.1 reads an unquoted ``10:30`` as the number 630; it still means 10:30."""
        text = """\
version: 1
severity:
  impacts: [major]
  urgencies: [high]
  matrix: {major: {high: SEV1}}
  levels: {SEV1: {page: [sme], via: [chat]}}
services: {api: {smes: api-oncall}}
rotations:
  api-oncall: {members: [cat, dan], every: 1d, handoff: 10:30, start: 2026-01-05}
people:
  cat: {name: Cat, chat: cat}
  dan: {name: Dan, chat: dan}
contacts: {chat: "json://127.0.0.1/{chat}"}
"""
        loaded = load_yaml(text)
        assert loaded.routing.config.rotations["api-oncall"].handoff == Handoff(time(10, 30))


class TestTimezone:
    """``timezone`` is an IANA zone name."""

    def test_unknown_zone(self, reject: Reject) -> None:
        """``Mars/Base`` is an error that suggests the form of a real name."""
        rejected = reject(doc_with(lambda d: d.update(timezone="Mars/Base")))
        rejected.expect(
            "timezone",
            at="timezone: Mars/Base",
            says="unknown timezone 'Mars/Base': use an IANA name like Europe/Dublin",
        )

    def test_a_name_longer_than_a_file_name_is_unknown_too(self, reject: Reject) -> None:
        """Zones are files: a 5,000-character name is the system's "file name too long", and
        still only an unknown timezone to the person who wrote it (hypothesis found it)."""
        rejected = reject(doc_with(lambda d: d.update(timezone="x" * 5000)))
        assert any("unknown timezone" in i.message for i in rejected.issues_at("timezone"))


class TestOverrideWindows:
    """An override covers a forward window of time."""

    def test_until_before_from(self, reject: Reject) -> None:
        """``until`` before ``from`` is an error at the override."""
        rejected = reject(
            with_override(minimal_document(), from_="2026-02-02T09:00", until="2026-02-01T09:00")
        )
        rejected.expect(
            "overrides[0]", at="- rotation: commanders", says="'until' must be after 'from'"
        )

    def test_empty_window(self, reject: Reject) -> None:
        """A window that ends when it starts covers nothing, and is an error too."""
        rejected = reject(
            with_override(minimal_document(), from_="2026-02-01T09:00", until="2026-02-01T09:00")
        )
        rejected.expect("overrides[0]", at="- rotation: commanders", says="'until' must be after")

    def test_unparseable_time(self, reject: Reject) -> None:
        """A ``from`` that is no date and time is an error at ``overrides[<i>].from``."""
        rejected = reject(with_override(minimal_document(), from_="christmas eve"))
        rejected.expect("overrides[0].from", at="from: christmas eve", says="datetime")

    def test_mixing_naive_and_aware_times(self, reject: Reject) -> None:
        """``from`` with an offset and ``until`` without one is a config error, not a crash."""
        rejected = reject(
            with_override(minimal_document(), from_="2026-02-01T09:00Z", until="2026-02-02T09:00")
        )
        rejected.expect("overrides[0]", at="- rotation: commanders", says="from")


class TestRotationClock:
    """A rotation of several members needs a period and a start to know whose turn it is."""

    @pytest.mark.parametrize(
        ("removed", "says"),
        [
            (("every",), "needs every to know"),
            (("start",), "needs start to know"),
            (("every", "start"), "needs every and start to know"),
        ],
    )
    def test_multi_member_rotation_missing_its_clock(
        self, reject: Reject, removed: tuple[str, ...], says: str
    ) -> None:
        """Each missing key is named in one error at the rotation."""

        def edit(document: dict[str, Any]) -> None:
            for key in removed:
                del document["rotations"]["commanders"][key]
            document["rotations"]["commanders"]["handoff"] = "09:00"

        rejected = reject(doc_with(edit))
        rejected.expect(
            "rotations.commanders", at="commanders:", says=f"a rotation of 2 members {says}"
        )

    def test_one_member_needs_no_clock(self, load_yaml: Callable[..., LoadedConfig]) -> None:
        """A rotation of one person is always that person: no ``every`` or ``start`` needed."""
        loaded = load_yaml(minimal_document())
        assert loaded.routing.config.rotations["api-oncall"].every is None

    def test_weekday_handoff_needs_whole_weeks(self, reject: Reject) -> None:
        """``handoff: mon 09:00`` with ``every: 10d`` would drift off Mondays: an error."""
        rejected = reject(doc_with(lambda d: d["rotations"]["commanders"].update(every="10d")))
        rejected.expect(
            "rotations.commanders",
            at="commanders:",
            says="handoff mon 09:00 names a weekday, so 'every' must be whole weeks, not 1w3d",
        )

    def test_long_periods_are_whole_days(self, reject: Reject) -> None:
        """``every: 36h`` would hand over at a different clock time each turn: an error."""
        rejected = reject(
            doc_with(lambda d: d["rotations"]["commanders"].update(every="36h", handoff="09:00"))
        )
        rejected.expect(
            "rotations.commanders",
            at="commanders:",
            says="'every' of a day or more must be whole days, not 1d12h",
        )

    def test_member_listed_twice(self, reject: Reject) -> None:
        """Listing a person twice in one rotation is an error."""
        rejected = reject(
            doc_with(lambda d: d["rotations"]["commanders"].update(members=["ann", "ann"]))
        )
        rejected.expect("rotations.commanders", at="commanders:", says="a member is listed twice")


class TestUnknownKeys:
    """Unknown keys are errors, so a typo never silently drops a setting."""

    def test_typo_gets_a_suggestion(self, reject: Reject) -> None:
        """``escalte_to`` under a role suggests ``escalate_to``."""
        rejected = reject(
            doc_with(lambda d: d["roles"]["commander"].update(escalte_to=["managers"]))
        )
        rejected.expect(
            "roles.commander.escalte_to",
            at="escalte_to:",
            says="unknown key 'escalte_to' (did you mean 'escalate_to'?)",
        )

    def test_top_level_typo_gets_a_suggestion(self, reject: Reject) -> None:
        """A misspelt section suggests the real one (and its references go unresolved)."""
        rejected = reject(doc_with(lambda d: d.update(rotaions=d.pop("rotations"))))
        rejected.expect(
            "rotaions", at="rotaions:", says="unknown key 'rotaions' (did you mean 'rotations'?)"
        )
        rejected.expect("services.api.smes", at="smes: api-oncall", says="unknown rotation")

    def test_unrelated_key_lists_the_allowed_ones(self, reject: Reject) -> None:
        """With nothing close, the error lists every key allowed there."""
        rejected = reject(doc_with(lambda d: d["services"]["api"].update(colour="blue")))
        rejected.expect(
            "services.api.colour",
            at="colour: blue",
            says="unknown key 'colour' (allowed: dashboards, escalate_to, room, runbook, smes)",
        )

    def test_override_keys_are_spelled_as_written(self, reject: Reject) -> None:
        """An override's allowed keys are listed as ops write them: ``from``, not ``starts``."""
        rejected = reject(with_override(minimal_document(), note="holiday"))
        issue = rejected.expect("overrides[0].note", at="note: holiday", says="unknown key 'note'")
        assert "from" in issue.message
        assert "starts" not in issue.message

    def test_missing_required_key(self, reject: Reject) -> None:
        """A missing required key is reported at the mapping that lacks it."""
        rejected = reject(doc_with(lambda d: d["services"]["api"].pop("smes")))
        rejected.expect("services.api", at="  api:", says="required key 'smes' is missing")

    def test_names_that_look_like_pydantic_tags_keep_their_place(self, reject: Reject) -> None:
        """A service named ``function-api`` is reported as ``services.function-api.…``."""
        rejected = reject(
            doc_with(
                lambda d: d["services"].update({"function-api": {"smes": "api-oncall", "x": 1}})
            )
        )
        rejected.expect("services.function-api.x", at="x: 1", says="unknown key 'x'")

    @pytest.mark.parametrize("key", ["rotations[commanders]", "function-timeout"])
    def test_odd_top_level_key_is_an_unknown_key(self, reject: Reject, key: str) -> None:
        """A top-level key like ``rotations[commanders]`` is reported, not a crash."""
        rejected = reject(doc_with(lambda d: d.update({key: {"members": ["ann"]}})))
        rejected.expect(key, at=f"{key}:", says=f"unknown key {key!r}")


class TestDuplicateKeys:
    """YAML lets a repeated key silently win; muster reports it instead."""

    def test_duplicate_key_is_reported_at_the_repeat(self, reject: Reject) -> None:
        """The repeat is the error, and the message points back to the first one."""
        text = """\
version: 1
severity:
  impacts: [major]
  urgencies: [high]
  matrix: {major: {high: SEV1}}
  levels: {SEV1: {page: [sme], via: [chat]}}
services:
  api: {smes: api-oncall}
rotations:
  api-oncall: {members: [cat]}
  api-oncall: {members: [dan]}
people:
  cat: {name: Cat, chat: cat}
  dan: {name: Dan, chat: dan}
contacts: {chat: "json://127.0.0.1/{chat}"}
"""
        rejected = reject(text)
        rejected.expect("rotations.api-oncall", at=11, says="duplicate key (first at line 10)")
        assert len(rejected.error.errors) == 1

    def test_duplicate_top_level_key(self, reject: Reject) -> None:
        """Repeating a whole section is caught the same way."""
        rejected = reject("version: 1\ntimezone: UTC\ntimezone: Europe/Dublin\n")
        rejected.expect("timezone", at=3, says="duplicate key (first at line 2)")

    def test_errors_inside_the_winning_value_point_at_it(self, reject: Reject) -> None:
        """An error in the repeated (winning) value is reported at the repeat's own lines."""
        text = """\
version: 1
severity:
  impacts: [major]
  urgencies: [high]
  matrix: {major: {high: SEV1}}
  levels: {SEV1: {page: [sme], via: [chat]}}
services:
  api:
    smes: api-oncall
  api:
    smes: api-oncal
rotations:
  api-oncall: {members: [cat]}
people:
  cat: {name: Cat, chat: cat}
contacts: {chat: "json://127.0.0.1/{chat}"}
"""
        rejected = reject(text)
        rejected.expect("services.api", at=10, says="duplicate key (first at line 8)")
        rejected.expect("services.api.smes", at=11, says="unknown rotation 'api-oncal'")


class TestUnparseableFiles:
    """Files that are not a YAML mapping fail with one clear error, at a line where there is one."""

    @pytest.mark.parametrize(
        ("text", "line", "says"),
        [
            ("version: 1\nseverity:\n  impacts: [major\n  urgencies: [high]\n", 4, "expected ','"),
            ("version: 1\n\ttimezone: UTC\n", 2, "tab character"),
            ("version: 1\ntimezone: UTC\n  levels: x\n", 3, "mapping values are not allowed"),
        ],
        ids=["unclosed-list", "tab-indent", "bad-indent"],
    )
    def test_yaml_syntax_error(self, reject: Reject, text: str, line: int, says: str) -> None:
        """A syntax error is reported at its line, as ``YAML syntax: …``."""
        rejected = reject(text)
        rejected.expect("(document)", at=line, says="YAML syntax: ")
        assert says in rejected.error.errors[0].message
        assert len(rejected.error.errors) == 1

    @pytest.mark.parametrize("text", ["", "\n\n", "# nothing configured yet\n"])
    def test_empty_file(self, reject: Reject, text: str) -> None:
        """A file with no document says so (there is no line to point at)."""
        rejected = reject(text)
        rejected.expect("(document)", at=None, says="the file is empty")

    @pytest.mark.parametrize(
        "text", ["- version: 1\n- timezone: UTC\n", "just some words\n", "42\n", "null\n"]
    )
    def test_top_level_must_be_a_mapping(self, reject: Reject, text: str) -> None:
        """A list or a scalar at the top is an error at line 1."""
        rejected = reject(text)
        rejected.expect(
            "(document)",
            at=1,
            says="the config must be a YAML mapping (key: value) at the top level",
        )

    def test_missing_file(self, tmp_path: Path) -> None:
        """A file that does not exist is a ConfigError naming it, not an OSError."""
        path = tmp_path / "nowhere.yaml"
        with pytest.raises(ConfigError) as raised:
            load_config(path, {})
        (issue,) = raised.value.errors
        assert (
            str(issue)
            == f"{path}: error: (document): cannot read the file: No such file or directory"
        )
        assert raised.value.source == str(path)

    def test_directory_is_unreadable(self, tmp_path: Path) -> None:
        """A directory where the file should be is a ConfigError naming it."""
        with pytest.raises(ConfigError) as raised:
            load_config(tmp_path, {})
        (issue,) = raised.value.errors
        assert str(issue).startswith(f"{tmp_path}: error: (document): cannot read the file: ")

    def test_file_that_is_not_utf8(self, tmp_path: Path) -> None:
        """Bytes that are not UTF-8 text are a ConfigError, not a UnicodeDecodeError."""
        path = tmp_path / "latin1.yaml"
        path.write_bytes("timezone: Europe/Dublin  # Dún Laoghaire\n".encode("latin-1"))
        with pytest.raises(ConfigError) as raised:
            load_config(path, {})
        (issue,) = raised.value.errors
        assert str(issue) == f"{path}: error: (document): the file is not UTF-8 text"


class TestEnvironmentVariables:
    """``${NAME}`` is filled from the environment; a missing variable is an error naming it."""

    def test_missing_variable_names_the_variable_and_place(self, reject: Reject) -> None:
        """The error names the variable, the dotted path that wants it, and its line."""
        rejected = reject(
            doc_with(lambda d: d["contacts"].update(chat="json://${CHAT_TOKEN}@127.0.0.1/{chat}"))
        )
        rejected.expect(
            "contacts.chat", at="chat: json://", says="environment variable CHAT_TOKEN is not set"
        )

    def test_each_missing_variable_is_named(self, reject: Reject) -> None:
        """Two missing variables in one value are two errors."""
        rejected = reject(
            doc_with(
                lambda d: d["contacts"].update(email="mailto://${USER_A}:${PASS_B}@h?to={email}")
            )
        )
        for name in ("USER_A", "PASS_B"):
            rejected.expect("contacts.email", at="email: mailto://", says=f"variable {name} is")

    def test_missing_variable_in_a_list(self, reject: Reject) -> None:
        """Inside a list, the path names the item."""
        rejected = reject(
            doc_with(lambda d: d["services"]["api"].update(dashboards=["https://g/${DASH_ID}"]))
        )
        rejected.expect(
            "services.api.dashboards[0]", at="- https://g/", says="environment variable DASH_ID"
        )

    def test_malformed_reference(self, reject: Reject) -> None:
        """``${lower-case}`` is no variable name, and is reported rather than kept as text."""
        rejected = reject(
            doc_with(lambda d: d["contacts"].update(chat="json://${bad-name}/{chat}"))
        )
        rejected.expect("contacts.chat", at="chat: json://", says="malformed ${...}")

    def test_values_are_filled_in(self, load_yaml: Callable[..., LoadedConfig]) -> None:
        """A set variable replaces its reference in the loaded config."""
        document = doc_with(
            lambda d: d["contacts"].update(chat="json://${CHAT_TOKEN}@127.0.0.1/{chat}")
        )
        loaded = load_yaml(document, {"CHAT_TOKEN": "tok-123456"})
        assert (
            loaded.routing.config.contacts.templates["chat"] == "json://tok-123456@127.0.0.1/{chat}"
        )

    def test_filled_values_are_secrets(self, load_yaml: Callable[..., LoadedConfig]) -> None:
        """Every value filled in is in ``routing.secrets``, to be masked wherever it might print."""

        def edit(document: dict[str, Any]) -> None:
            document["contacts"]["email"] = "mailto://${SMTP_USER}:${SMTP_PASSWORD}@h?to={email}"
            document["services"]["api"]["room"] = "json://${ROOM_TOKEN}@127.0.0.1/room"

        environ = {"SMTP_USER": "mail-user", "SMTP_PASSWORD": "pa55word", "ROOM_TOKEN": "rt-9876"}
        loaded = load_yaml(doc_with(edit), environ)
        assert loaded.routing.secrets == {"mail-user", "pa55word", "rt-9876"}

    def test_unused_variables_are_not_secrets(self, load_yaml: Callable[..., LoadedConfig]) -> None:
        """Only values the config uses are secrets, not the whole environment."""
        loaded = load_yaml(minimal_document(), {"HOME": "/root", "UNRELATED": "value"})
        assert loaded.routing.secrets == frozenset()

    def test_double_dollar_is_a_literal(self, load_yaml: Callable[..., LoadedConfig]) -> None:
        """``$${NAME}`` writes ``${NAME}`` literally: no variable needed, nothing secret."""
        document = doc_with(lambda d: d["services"]["api"].update(room="json://h/$${NOT_A_VAR}"))
        loaded = load_yaml(document)
        assert loaded.routing.config.services["api"].room == "json://h/${NOT_A_VAR}"
        assert loaded.routing.secrets == frozenset()

    def test_literal_braces_are_no_placeholder(
        self, load_yaml: Callable[..., LoadedConfig]
    ) -> None:
        """``$${chats}`` in a template is literal text, not a ``{chats}`` placeholder."""
        document = doc_with(lambda d: d["contacts"].update(chat="json://h/$${chats}/{chat}"))
        loaded = load_yaml(document)
        assert loaded.routing.config.contacts.templates["chat"] == "json://h/${chats}/{chat}"

    def test_process_environment_is_the_default(
        self, write_config: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Without an explicit mapping, variables come from the process environment."""
        monkeypatch.setenv("MUSTER_TEST_ROOM", "room-from-env")
        document = doc_with(lambda d: d["services"]["api"].update(room="${MUSTER_TEST_ROOM}"))
        loaded = load_config(write_config(document))
        assert loaded.routing.config.services["api"].room == "room-from-env"


MANY_ERRORS = """\
version: 1
timezone: Mars/Base
severity:
  impacts: [major]
  urgencies: [high, low]
  matrix:
    major: {high: SEV1}
  levels:
    SEV1: {page: [sme], via: [chat], ack_within: 5 minutes}
services:
  api: {smes: api-oncal}
rotations:
  api-oncall: {members: [cat, dog]}
people:
  cat: {name: Cat, chat: cat, pager: "555"}
contacts:
  chat: "json://${CHAT_TOKEN}@127.0.0.1/{chat}"
"""


class TestAllErrorsAtOnce:
    """One load reports every error in the file, in line order, so one edit can fix them all."""

    EXPECTED = (
        ("timezone", 2, "unknown timezone 'Mars/Base'"),
        ("severity.matrix.major", 7, "no cell for impact 'major' × urgency 'low'"),
        ("severity.levels.SEV1.ack_within", 9, "'5 minutes' is not a duration"),
        ("services.api.smes", 11, "unknown rotation 'api-oncal' (did you mean 'api-oncall'?)"),
        ("rotations.api-oncall", 13, "a rotation of 2 members needs every and start"),
        ("rotations.api-oncall.members[1]", 13, "unknown person 'dog'"),
        ("people.cat.pager", 15, "unknown contact kind"),
        ("contacts.chat", 17, "environment variable CHAT_TOKEN is not set"),
    )

    def test_every_error_is_reported(self, reject: Reject) -> None:
        """Schema errors (a bad duration, a bad zone) and reference errors come out together."""
        rejected = reject(MANY_ERRORS)
        for dotted, line, says in self.EXPECTED:
            rejected.expect(dotted, at=line, says=says)
        assert len(rejected.error.errors) == len(self.EXPECTED)

    def test_errors_are_sorted_by_line(self, reject: Reject) -> None:
        """Errors come in the order of the file, whichever check found them."""
        lines = [issue.line or 0 for issue in reject(MANY_ERRORS).error.errors]
        assert 0 not in lines
        assert lines == sorted(lines)

    def test_message_counts_and_lists_them(self, reject: Reject) -> None:
        """``str(ConfigError)`` heads with the file and count, then one error per line."""
        rejected = reject(MANY_ERRORS)
        head, *body = str(rejected.error).splitlines()
        assert head == f"{rejected.path}: {len(self.EXPECTED)} errors"
        assert body == [f"  {issue}" for issue in rejected.error.errors]

    def test_a_duplicate_key_does_not_hide_the_rest(self, reject: Reject) -> None:
        """A duplicate key is reported alongside the other errors, not instead of them."""
        text = MANY_ERRORS + "timezone: UTC\n"
        rejected = reject(text)
        rejected.expect("timezone", at=18, says="duplicate key (first at line 2)")
        rejected.expect("services.api.smes", at=11, says="unknown rotation 'api-oncal'")
        rejected.expect("severity.levels.SEV1.ack_within", at=9, says="not a duration")


class TestSuggestions:
    """Close misspellings get "did you mean"; names far from any defined one do not."""

    @pytest.mark.parametrize(
        ("edit", "dotted", "suggestion"),
        [
            (
                lambda d: d["services"]["api"].update(smes="api-on-call"),
                "services.api.smes",
                "api-oncall",
            ),
            (
                lambda d: d["rotations"]["managers"].update(members=["dann"]),
                "rotations.managers.members[0]",
                "dan",
            ),
            (
                lambda d: d["severity"]["levels"]["SEV2"].update(page=["commandr"]),
                "severity.levels.SEV2.page[0]",
                "commander",
            ),
            (
                lambda d: d["severity"]["matrix"]["minor"].update(low="SEV3"),
                "severity.matrix.minor.low",
                "SEV2",
            ),
        ],
        ids=["rotation", "person", "role", "severity"],
    )
    def test_close_name_is_suggested(
        self, reject: Reject, edit: Callable[[dict[str, Any]], object], dotted: str, suggestion: str
    ) -> None:
        """The closest defined name is offered."""
        (issue,) = reject(doc_with(edit)).issues_at(dotted)
        assert f"(did you mean {suggestion!r}?)" in issue.message

    def test_far_name_gets_no_suggestion(self, reject: Reject) -> None:
        """A name like nothing defined gets no misleading guess."""
        (issue,) = reject(doc_with(lambda d: d["services"]["api"].update(smes="zzzz"))).issues_at(
            "services.api.smes"
        )
        assert issue.message == "unknown rotation 'zzzz'"


class TestAddresses:
    @pytest.mark.parametrize("address", ["ann,bob", "ann;bob", "ann bob"])
    def test_an_address_is_one_destination(
        self, load_yaml: Callable[..., Any], address: str
    ) -> None:
        """Apprise would split these into several targets: the config refuses them."""
        document = minimal_document()
        document["people"]["ann"]["chat"] = address
        with pytest.raises(ConfigError, match="must be one address"):
            load_yaml(document)


class TestIntake:
    """The web intake's callers and alert rules are checked like every other section."""

    def test_rules_and_defaults_name_configured_levels_and_services(self, reject: Reject) -> None:
        def edit(document: dict[str, Any]) -> None:
            document["intake"] = {
                "rules": [{"match": {"team": "db"}, "impact": "majr", "services": ["apii"]}],
                "defaults": {"urgency": "hihg"},
            }

        rejected = reject(doc_with(edit))
        rejected.expect("intake.rules[0].impact", at="majr", says="unknown impact 'majr'")
        rejected.expect("intake.rules[0].services[0]", at="apii", says="unknown service 'apii'")
        rejected.expect("intake.defaults.urgency", at="hihg", says="unknown urgency 'hihg'")

    def test_a_rule_needs_a_matcher_and_an_effect_and_a_token_length(self, reject: Reject) -> None:
        def edit(document: dict[str, Any]) -> None:
            document["intake"] = {
                "callers": {"am": {"token": "short"}},
                "rules": [{"impact": "major"}, {"match_re": {"team": "(db"}, "impact": "major"}],
            }

        rejected = reject(doc_with(edit))
        assert rejected.issues_at("intake.callers.am.token")
        assert any("match or match_re" in i.message for i in rejected.issues_at("intake.rules[0]"))
        assert any(
            "not a regular expression" in i.message
            for i in rejected.issues_at("intake.rules[1].match_re.team")
        )


class TestLimits:
    """The ``limits`` section names defined kinds and people, with sensible numbers."""

    def test_kinds_and_people_must_be_defined(self, reject: Reject) -> None:
        def edit(document: dict[str, Any]) -> None:
            document["limits"] = {
                "kinds": {"chatt": {"max": 5, "per": "15m"}},
                "people": {"anne": {"chat": {"max": 9, "per": "15m"}}, "ann": {"smss": None}},
            }

        rejected = reject(doc_with(edit))
        rejected.expect("limits.kinds.chatt", at="chatt", says="unknown contact kind 'chatt'")
        rejected.expect("limits.people.anne", at="anne", says="unknown person 'anne'")
        rejected.expect("limits.people.ann.smss", at="smss", says="unknown contact kind 'smss'")

    def test_a_limit_needs_a_positive_max_and_a_window_of_a_minute_to_a_day(
        self, reject: Reject
    ) -> None:
        def edit(document: dict[str, Any]) -> None:
            document["limits"] = {
                "default": {"max": 0, "per": "15m"},
                "kinds": {"chat": {"max": 5, "per": "2d"}, "email": {"max": 5, "pre": "1m"}},
            }

        rejected = reject(doc_with(edit))
        assert rejected.issues_at("limits.default.max")
        assert any("use 1m to 1d" in i.message for i in rejected.issues_at("limits.kinds.chat.per"))
        assert any(
            "did you mean 'per'" in i.message for i in rejected.issues_at("limits.kinds.email.pre")
        )
