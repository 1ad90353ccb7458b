"""A config file written to hurt: impossible values, tags, alias bombs and huge documents.

Each is refused the way any other broken config is, as a :class:`ConfigError` placed at its
file and line, quickly and in little memory: never an uncaught exception, which would print a
traceback in ``config check`` and stop a process started on the file.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from muster.config.loader import (
    MAX_ALIASED_NODES,
    MAX_DOCUMENT_BYTES,
    MAX_VALUES,
    load_config,
    load_text,
)
from muster.worker.core.config.issues import ConfigError
from tests.harness.configs import minimal_document
from tests.harness.hostile_yaml import alias_bomb


def minimal_text() -> str:
    return yaml.safe_dump(minimal_document(), sort_keys=False)


def rejected(text: str) -> ConfigError:
    with pytest.raises(ConfigError) as raised:
        load_text(text, "routing.yaml", {})
    return raised.value


def line_holding(text: str, needle: str) -> int:
    (line,) = [n for n, content in enumerate(text.splitlines(), 1) if needle in content]
    return line


class TestImpossibleValues:
    """Values YAML recognises by their shape but that name nothing are errors at their line."""

    def test_impossible_rotation_start_date(self) -> None:
        """``start: 2026-13-45`` is an error at the rotation's start, not a ValueError."""
        text = minimal_text().replace("'2026-01-05'", "2026-13-45")
        invalid = rejected(text)
        (issue,) = invalid.errors
        assert issue.path == ("rotations", "commanders", "start")
        assert issue.line == line_holding(text, "2026-13-45")
        assert str(issue).startswith(
            f"routing.yaml:{issue.line}: error: rotations.commanders.start"
        )

    def test_impossible_override_time(self) -> None:
        """An unquoted override time at hour 25 is an error at the override's ``from``."""
        text = minimal_text() + (
            "overrides:\n- rotation: commanders\n  person: ann\n"
            "  from: 2026-02-01T25:00:00\n  until: 2026-02-02T09:00:00\n"
        )
        invalid = rejected(text)
        (issue,) = invalid.errors
        assert issue.path == ("overrides", 0, "from")
        assert issue.line == line_holding(text, "T25:00")

    @pytest.mark.parametrize("tagged", ["!!int abc", "!!float abc", "!!timestamp abc"])
    def test_explicit_tag_the_value_cannot_be(self, tagged: str) -> None:
        """A value tagged with a type it cannot be is an error at its line, naming the value."""
        text = minimal_text().replace("runbook: https://runbooks.test/api", f"runbook: {tagged}")
        invalid = rejected(text)
        (issue,) = invalid.errors
        assert issue.line == line_holding(text, tagged)
        assert "abc" in issue.message

    def test_rotation_start_at_the_end_of_the_calendar(self) -> None:
        """``start: 9999-12-31`` (whose first handoff overflows the calendar) is an error there."""
        text = minimal_text().replace("'2026-01-05'", "9999-12-31")
        (issue,) = rejected(text).errors
        assert issue.path == ("rotations", "commanders", "start")
        assert "between the years 1900 and 9000" in issue.message
        assert issue.line == line_holding(text, "9999-12-31")

    @pytest.mark.parametrize(
        ("written", "path"),
        [
            ("every: 1w", ("rotations", "commanders", "every")),
            ("ack_within: 5m", ("severity", "levels", "SEV1", "ack_within")),
        ],
    )
    def test_duration_past_any_calendar(self, written: str, path: tuple[str, ...]) -> None:
        """A duration of two million years (a due time no calendar holds) is an error there."""
        key = written.split(":", maxsplit=1)[0]
        text = minimal_text().replace(written, f"{key}: 99999999w")
        (issue,) = rejected(text).errors
        assert issue.path == path
        assert "too long a duration: at most 520w" in issue.message
        assert issue.line == line_holding(text, "99999999w")


class TestBoundedWork:
    """However a document is written, loading it takes little time and memory."""

    def test_alias_bomb_is_refused_fast(self) -> None:
        """Nine levels of nine aliases (a few KB, 9^9 strings expanded) is one error, at once."""
        text = minimal_text() + alias_bomb(9)
        started = time.perf_counter()
        invalid = rejected(text)
        elapsed = time.perf_counter() - started
        print(f"alias bomb of {len(text)} bytes refused in {elapsed * 1000:.1f} ms")
        (issue,) = invalid.errors
        assert "alias" in issue.message
        assert f"{MAX_ALIASED_NODES:,}" in issue.message
        assert issue.line is not None

    def test_a_few_aliases_still_load(self) -> None:
        """Anchors and aliases used as people use them (a shared chain) are fine."""
        text = minimal_text().replace(
            "    escalate_to:\n    - managers\nservices:\n",
            "    escalate_to: &chain\n    - managers\nservices:\n"
            "  web:\n    smes: api-oncall\n    escalate_to: *chain\n",
        )
        loaded = load_text(text, "routing.yaml", {})
        assert loaded.routing.config.services["web"].escalate_to == ["managers"]

    def test_document_over_the_size_bound_is_refused(self) -> None:
        """A file larger than any real config is an error before it is parsed."""
        text = minimal_text() + "#" * MAX_DOCUMENT_BYTES + "\n"
        invalid = rejected(text)
        (issue,) = invalid.errors
        assert "larger than" in issue.message
        assert issue.line == 1

    def test_a_million_tiny_values_are_refused_before_parsing(self) -> None:
        """Two megabytes of ``1,1,1,…`` (seconds and a gigabyte to parse) are refused at once."""
        text = minimal_text() + "broadcasts: [" + "1," * 1_000_000 + "1]\n"
        started = time.perf_counter()
        invalid = rejected(text)
        elapsed = time.perf_counter() - started
        print(f"{len(text):,} bytes of tiny values refused in {elapsed * 1000:.1f} ms")
        (issue,) = invalid.errors
        assert f"more than {MAX_VALUES:,}" in issue.message
        assert issue.line == 1

    def test_deep_nesting_is_an_error(self) -> None:
        """Brackets nested past what anyone writes are an error, not a RecursionError."""
        invalid = rejected("severity: " + "[" * 20_000 + "]" * 20_000 + "\n")
        assert invalid.errors


class TestCheckedFile:
    """Through the file loader the same documents are errors naming the file."""

    def test_file_with_an_impossible_date(self, write_config: Callable[..., Path]) -> None:
        """``load_config`` places the impossible date at the file's path and line."""
        path = write_config(minimal_text().replace("'2026-01-05'", "2026-13-45"))
        with pytest.raises(ConfigError) as raised:
            load_config(path, {})
        (issue,) = raised.value.errors
        assert issue.file == str(path)
