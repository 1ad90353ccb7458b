"""Properties of config validation that must hold for any document, not just the ones written down.

However a document is broken (a reference renamed, a definition removed, a value replaced by
something of the wrong shape), loading it either succeeds or raises :class:`ConfigError` whose every
issue is placed at a path and a line of the file: never another exception. And the small parsers
the schema is built on (durations, handoffs, ``${NAME}``) round-trip and reject what they should.
"""

from __future__ import annotations

import contextlib
import copy
import re
from datetime import time, timedelta
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from muster.config.loader import LoadedConfig, load_text
from muster.worker.core.config.durations import (
    WEEKDAYS,
    Handoff,
    format_duration,
    parse_duration,
    parse_handoff,
)
from muster.worker.core.config.interpolation import interpolate
from muster.worker.core.config.issues import ConfigError, Path, format_path
from tests.harness.configs import minimal_document

SOURCE = "routing.yaml"
QUICK = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
QUICKER = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def base_document() -> dict[str, Any]:
    """``minimal_document()`` plus one override, so every kind of reference is present."""
    document = minimal_document()
    document["overrides"] = [
        {
            "rotation": "commanders",
            "person": "ann",
            "from": "2026-02-01T09:00",
            "until": "2026-02-02",
        }
    ]
    return document


def dump(document: Any) -> str:
    return yaml.safe_dump(document, sort_keys=False)


def load_or_error(text: str) -> LoadedConfig | ConfigError:
    """Load ``text`` with an empty environment: the config, or the ConfigError (nothing else)."""
    try:
        return load_text(text, SOURCE, {})
    except ConfigError as invalid:
        return invalid


def assert_placed(invalid: ConfigError, text: str) -> None:
    """Every issue names the file, has a path, and a line that exists in ``text``."""
    count = len(text.splitlines())
    assert invalid.errors, "a ConfigError without errors"
    for issue in invalid.issues:
        assert issue.file == SOURCE
        assert isinstance(issue.path, tuple)
        assert issue.line is not None, str(issue)
        assert 1 <= issue.line <= count, str(issue)
        assert str(issue).startswith(
            f"{SOURCE}:{issue.line}: {issue.level}: {format_path(issue.path)}: "
        )


def at(document: Any, path: Path) -> Any:
    for part in path:
        document = document[part]
    return document


def put(document: Any, path: Path, value: Any) -> None:
    at(document, path[:-1])[path[-1]] = value


# Every place in base_document() that names something defined elsewhere, and what it names.
REFERENCES: dict[Path, str] = {
    ("severity", "matrix", "major", "high"): "severity level",
    ("severity", "levels", "SEV1", "page", 0): "role",
    ("severity", "levels", "SEV1", "via", 1): "contact kind",
    ("roles", "commander", "rotation"): "rotation",
    ("roles", "commander", "escalate_to", 0): "rotation",
    ("services", "api", "smes"): "rotation",
    ("fallback_service",): "fallback service",
    ("rotations", "commanders", "members", 1): "person",
    ("overrides", 0, "rotation"): "rotation",
    ("overrides", 0, "person"): "person",
    ("contacts", "fallback", "chat"): "contact kind",
}

DEFINED = {
    "SEV1", "SEV2", "commander", "sme", "chat", "email", "commanders", "api-oncall", "managers",
    "api", "ann", "ben", "cat", "dan", "major", "minor", "high", "low", "fallback", "name",
}  # fmt: skip

fresh_names = st.from_regex(r"\A[a-z][a-z0-9-]{3,11}\Z").filter(lambda name: name not in DEFINED)

# Definitions that can be removed, each with the name the rest of the document uses it by.
DEFINITIONS: list[Path] = [
    ("severity", "levels", "SEV1"),
    ("severity", "levels", "SEV2"),
    ("roles", "commander"),
    ("services", "api"),
    ("rotations", "commanders"),
    ("rotations", "api-oncall"),
    ("rotations", "managers"),
    ("people", "ann"),
    ("people", "ben"),
    ("people", "cat"),
    ("people", "dan"),
    ("contacts", "chat"),
    ("contacts", "email"),
]

# Values of the wrong (or right) shape to put anywhere. Known crashes are left out here and
# pinned by the xfail tests below: aware datetimes next to naive ones (a number as an override
# time is read as an aware Unix timestamp, so numbers are not put there), and absurd durations.
JUNK: list[Any] = [
    None, 0, 7, -1, True, 2.5, "", "x", "api", "5m", "5 minutes", "mon 09:00", "funday 09:00",
    "2026-01-05", "2026-03-01T09:00", "Mars/Base", [], {}, ["sme"], ["x", "x"], {"x": 1},
    {"name": "N"}, "${UNSET}", "$${LITERAL}", "${bad-name}", "{nokind}",
]  # fmt: skip


def every_path(node: Any, path: Path = ()) -> list[Path]:
    """Every path in a document, parents before children."""
    paths = [path] if path else []
    if isinstance(node, dict):
        for key, value in node.items():
            paths += every_path(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            paths += every_path(value, (*path, index))
    return paths


class TestBrokenReferences:
    """Renamed or removed references are always reported, each at its own path and line."""

    @QUICK
    @given(
        sites=st.lists(st.sampled_from(sorted(REFERENCES)), min_size=1, max_size=5, unique=True),
        names=st.lists(fresh_names, min_size=5, max_size=5, unique=True),
    )
    def test_renamed_references_are_each_reported(
        self, sites: list[Path], names: list[str]
    ) -> None:
        """Each reference renamed to an undefined name is an error at its path, on its line."""
        document = base_document()
        for site, name in zip(sites, names, strict=False):
            put(document, site, name)
        text = dump(document)
        invalid = load_or_error(text)
        assert isinstance(invalid, ConfigError)
        assert_placed(invalid, text)
        lines = text.splitlines()
        for site, name in zip(sites, names, strict=False):
            found = [
                issue for issue in invalid.errors if issue.path == site and name in issue.message
            ]
            assert found, f"nothing reported at {format_path(site)} for {name!r}"
            (issue,) = found
            assert f"unknown {REFERENCES[site]}" in issue.message
            assert issue.line is not None
            assert name in lines[issue.line - 1]

    @QUICK
    @given(removed=st.lists(st.sampled_from(DEFINITIONS), min_size=1, max_size=3, unique=True))
    def test_removed_definitions_are_reported_where_used(self, removed: list[Path]) -> None:
        """Removing what others refer to is reported, and every report is placed in the file."""
        document = base_document()
        for path in removed:
            del at(document, path[:-1])[path[-1]]
        text = dump(document)
        invalid = load_or_error(text)
        assert isinstance(invalid, ConfigError)
        assert_placed(invalid, text)
        messages = "\n".join(issue.message for issue in invalid.errors)
        assert any(f"'{path[-1]}'" in messages or f"{{{path[-1]}}}" in messages for path in removed)


class TestNoOtherException:
    """Whatever is broken, the loader answers with a config or a ConfigError."""

    @QUICK
    @given(data=st.data())
    def test_random_damage_loads_or_raises_config_error(self, data: st.DataObject) -> None:
        """Deleting keys, renaming keys and replacing values never raises anything else."""
        document = base_document()
        for _ in range(data.draw(st.integers(min_value=1, max_value=4), label="edits")):
            path = data.draw(st.sampled_from(every_path(document)), label="path")
            parent = at(document, path[:-1])
            action = data.draw(st.sampled_from(["delete", "rename", "replace"]), label="action")
            if action == "delete" and isinstance(parent, dict):
                del parent[path[-1]]
            elif action == "rename" and isinstance(parent, dict):
                parent[f"{path[-1]}x"] = parent.pop(path[-1])
            else:
                value = data.draw(st.sampled_from(JUNK), label="value")
                known_crash = path[-1] in {"from", "until"} and type(value) in {int, float}
                parent[path[-1]] = "2026-03-01T09:00" if known_crash else copy.deepcopy(value)
        text = dump(document)
        result = load_or_error(text)
        if isinstance(result, ConfigError):
            assert_placed(result, text)

    @QUICKER
    @given(text=st.text(alphabet="ab: -{}#\n\t'\"&*!|>%@`,?", max_size=60))
    def test_any_text_loads_or_raises_config_error(self, text: str) -> None:
        """Even text that is barely YAML yields a ConfigError with a path (and a known file).

        ``[`` is left out of the alphabet: a key containing it crashes the loader (pinned below).
        """
        result = load_or_error(text)
        assert isinstance(result, ConfigError)
        for issue in result.issues:
            assert issue.file == SOURCE
            assert isinstance(issue.path, tuple)
            assert issue.line is not None or issue.message == "the file is empty"

    @QUICKER
    @given(text=st.text(alphabet="ab: -[]{}#\n", max_size=30))
    @example(text=":[:")
    def test_any_text_with_brackets_loads_or_raises_config_error(self, text: str) -> None:
        """Keys with brackets in them are unknown keys like any other, never a crash."""
        result = load_or_error(text)
        assert isinstance(result, ConfigError)

    @QUICKER
    @given(
        starts=st.sampled_from(
            ["2026-02-01T09:00", "2026-02-01T09:00Z", "2026-02-01T09:00+01:00", 1769936400]
        ),
        until=st.sampled_from(["2026-02-02T09:00", "2026-02-02T09:00Z", "2026-02-02T09:00-05:00"]),
    )
    @example(starts="2026-02-01T09:00Z", until="2026-02-02T09:00")
    @example(starts=1769936400, until="2026-02-02T09:00")
    def test_override_times_with_or_without_offsets(self, starts: str | int, until: str) -> None:
        """Override windows with any mix of offsets load or raise ConfigError."""
        document = base_document()
        document["overrides"][0].update({"from": starts, "until": until})
        text = dump(document)
        result = load_or_error(text)
        if isinstance(result, ConfigError):
            assert_placed(result, text)


class TestDurations:
    """``parse_duration`` and ``format_duration`` speak the same units, largest first."""

    @QUICK
    @given(seconds=st.integers(min_value=1, max_value=60 * 60 * 24 * 7 * 520))
    def test_format_then_parse_is_identity(self, seconds: int) -> None:
        """Any positive whole-second duration survives being written and read back."""
        value = timedelta(seconds=seconds)
        assert parse_duration(format_duration(value)) == value

    @QUICK
    @given(
        amounts=st.tuples(*[st.none() | st.integers(min_value=0, max_value=500)] * 5).filter(any),
        upper=st.booleans(),
        padding=st.sampled_from(["", " ", "  \t"]),
    )
    def test_parse_then_format_is_canonical(
        self, amounts: tuple[int | None, ...], upper: bool, padding: str
    ) -> None:
        """Units in order parse to their sum, and format back to a string that parses the same."""
        text = "".join(
            f"{n}{unit}" for n, unit in zip(amounts, "wdhms", strict=True) if n is not None
        )
        spelled = padding + (text.upper() if upper else text) + padding
        weights = (604800, 86400, 3600, 60, 1)
        expected = timedelta(
            seconds=sum((n or 0) * w for n, w in zip(amounts, weights, strict=True))
        )
        value = parse_duration(spelled)
        assert value == expected
        canonical = format_duration(value)
        assert re.fullmatch(r"(\d+w)?(\d+d)?(\d+h)?(\d+m)?(\d+s)?", canonical)
        assert parse_duration(canonical) == value
        assert format_duration(parse_duration(canonical)) == canonical

    @QUICK
    @given(
        units=st.lists(st.sampled_from("wdhms"), min_size=2, max_size=2).filter(
            lambda pair: "wdhms".index(pair[0]) >= "wdhms".index(pair[1])
        ),
        amounts=st.tuples(st.integers(1, 99), st.integers(1, 99)),
    )
    def test_units_out_of_order_or_repeated_are_rejected(
        self, units: list[str], amounts: tuple[int, int]
    ) -> None:
        """``1m1h`` and ``5m5m`` are not durations."""
        text = f"{amounts[0]}{units[0]}{amounts[1]}{units[1]}"
        with pytest.raises(ValueError, match="is not a duration"):
            parse_duration(text)

    @QUICK
    @given(unit=st.sampled_from("wdhms"), zeros=st.integers(1, 3))
    def test_zero_is_rejected(self, unit: str, zeros: int) -> None:
        """A duration must be positive."""
        with pytest.raises(ValueError, match="is not a positive duration"):
            parse_duration("0" * zeros + unit)

    @QUICK
    @given(number=st.integers(min_value=0, max_value=10**6), text=st.sampled_from(["", " ", "m5"]))
    def test_a_unit_is_required(self, number: int, text: str) -> None:
        """A bare number, or a unit before its number, is no duration."""
        with pytest.raises(ValueError, match="duration"):
            parse_duration(f"{number}{text}" if text != "m5" else f"m{number}")

    @QUICKER
    @given(amount=st.integers(min_value=1, max_value=10**15), unit=st.sampled_from("wdhms"))
    @example(amount=10**10, unit="w")
    def test_any_amount_parses_or_raises_value_error(self, amount: int, unit: str) -> None:
        """Huge amounts are a ValueError (so a config error), never an OverflowError."""
        with contextlib.suppress(ValueError):
            parse_duration(f"{amount}{unit}")


class TestHandoffs:
    """``parse_handoff`` reads ``HH:MM`` and ``<weekday> HH:MM``, and nothing out of range."""

    @QUICK
    @given(hour=st.integers(0, 23), minute=st.integers(0, 59), pad_hour=st.booleans())
    def test_every_clock_time(self, hour: int, minute: int, pad_hour: bool) -> None:
        """Every HH:MM of the day (hour with or without its leading zero) is accepted."""
        text = f"{hour:02d}:{minute:02d}" if pad_hour else f"{hour}:{minute:02d}"
        handoff = parse_handoff(text)
        assert handoff == Handoff(time(hour, minute))
        assert parse_handoff(str(handoff)) == handoff

    @QUICK
    @given(
        weekday=st.integers(0, 6),
        length=st.integers(3, 9),
        case=st.sampled_from([str.lower, str.upper, str.title]),
        clock=st.tuples(st.integers(0, 23), st.integers(0, 59)),
        gap=st.sampled_from([" ", "  ", "\t"]),
    )
    def test_every_weekday_form(
        self, weekday: int, length: int, case: Any, clock: tuple[int, int], gap: str
    ) -> None:
        """``mon``, ``Monday``, ``MONDAY``, ``thurs``… each with any clock time."""
        day = case(WEEKDAY_NAMES[weekday][:length])
        hour, minute = clock
        handoff = parse_handoff(f"{day}{gap}{hour:02d}:{minute:02d}")
        assert handoff == Handoff(time(hour, minute), weekday)
        assert str(handoff) == f"{WEEKDAYS[weekday]} {hour:02d}:{minute:02d}"
        assert parse_handoff(str(handoff)) == handoff

    @QUICK
    @given(
        clock=st.one_of(
            st.tuples(st.integers(24, 99), st.integers(0, 59)),
            st.tuples(st.integers(0, 23), st.integers(60, 99)),
        ),
        day=st.sampled_from(["", "mon ", "sunday "]),
    )
    def test_out_of_range_clock_is_rejected(self, clock: tuple[int, int], day: str) -> None:
        """Hours past 23 and minutes past 59 are not wall-clock times."""
        with pytest.raises(ValueError, match="not a valid wall-clock time"):
            parse_handoff(f"{day}{clock[0]:02d}:{clock[1]:02d}")

    @QUICK
    @given(
        day=st.from_regex(r"\A[a-z]{1,9}\Z").filter(
            lambda day: len(day) < 3 or not any(name.startswith(day) for name in WEEKDAY_NAMES)
        )
    )
    def test_no_weekday_is_rejected(self, day: str) -> None:
        """Fewer than three letters, or letters that start no weekday, name no weekday."""
        with pytest.raises(ValueError, match="names no weekday"):
            parse_handoff(f"{day} 09:00")

    @QUICK
    @given(text=st.from_regex(r"\A[0-9: a-z]{0,8}\Z"))
    def test_anything_else_parses_or_raises_value_error(self, text: str) -> None:
        """Arbitrary text is a Handoff or a ValueError, never anything else."""
        with contextlib.suppress(ValueError):
            parse_handoff(text)


class TestInterpolation:
    """``${NAME}`` is filled from the environment and remembered as a secret; ``$${`` is literal."""

    names = st.from_regex(r"\A[A-Za-z_][A-Za-z0-9_]{0,15}\Z")
    values = st.text(
        alphabet=st.characters(min_codepoint=33, max_codepoint=126, exclude_characters="${}"),
        min_size=1,
        max_size=20,
    )

    @QUICK
    @given(name=names, value=values, before=st.sampled_from(["", "json://", "x-"]))
    def test_values_are_filled_and_secret(self, name: str, value: str, before: str) -> None:
        """A set variable is substituted, and its value is one of the secrets."""
        filled = interpolate({"room": f"{before}${{{name}}}/end"}, {name: value})
        assert filled.data == {"room": f"{before}{value}/end"}
        assert filled.secrets == {value}
        assert filled.issues == []

    @QUICK
    @given(name=names)
    def test_missing_variable_is_an_error_naming_it(self, name: str) -> None:
        """An unset variable is an error at the place that wants it, naming the variable."""
        filled = interpolate({"services": {"api": {"room": [f"${{{name}}}"]}}}, {})
        (issue,) = filled.issues
        assert issue.path == ("services", "api", "room", 0)
        assert issue.message == f"environment variable {name} is not set"

    @QUICK
    @given(name=names, value=values)
    def test_double_dollar_is_literal(self, name: str, value: str) -> None:
        """``$${NAME}`` is ``${NAME}`` in the result, even when NAME is set: no secret is used."""
        filled = interpolate([f"$${{{name}}}"], {name: value})
        assert filled.data == [f"${{{name}}}"]
        assert filled.secrets == set()
        assert filled.issues == []

    @QUICKER
    @given(name=names.map(str.upper), value=values)
    def test_filled_values_reach_routing_secrets(self, name: str, value: str) -> None:
        """Through the real loader, the value lands in the config and in ``routing.secrets``."""
        document = minimal_document()
        document["services"]["api"]["room"] = f"json://${{{name}}}@127.0.0.1/room"
        loaded = load_text(dump(document), SOURCE, {name: value})
        assert loaded.routing.config.services["api"].room == f"json://{value}@127.0.0.1/room"
        assert loaded.routing.secrets == {value}
