"""The loader's one promise, for any document: a config, or a ConfigError placed at file:line.

Documents are generated the way an edit goes wrong: the real schema's keys, anywhere, holding
hostile YAML (impossible dates, tags naming the wrong type, infinities, huge numbers, regexes that
do not compile or backtrack, undefined aliases, nesting), plus plain random text. Whatever comes
out, ``load_text`` returns a config or raises :class:`ConfigError`; nothing else escapes.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, get_args

import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from muster.config.loader import LoadedConfig, load_text
from muster.worker.core.checks.lint import lint
from muster.worker.core.config.issues import ConfigError, Path
from muster.worker.core.config.model import RoutingConfig
from tests.harness.configs import WEDNESDAY_NOON, minimal_document

SOURCE = "routing.yaml"
PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))


def schema_keys(model: type[BaseModel], found: set[str] | None = None) -> set[str]:
    """Every key the schema names, in every section (aliases as written: ``from``)."""
    found = set() if found is None else found
    for name, field in model.model_fields.items():
        found.add(field.alias or name)
        for kind in _nested(field.annotation):
            if kind not in found_models:
                found_models.add(kind)
                schema_keys(kind, found)
    return found


found_models: set[type[BaseModel]] = set()


def _nested(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [kind for arg in get_args(annotation) for kind in _nested(arg)]


KEYS = sorted(schema_keys(RoutingConfig))

# Raw YAML, written into the document as it stands (not quoted by the dumper).
HOSTILE = [
    "2026-13-45", "2026-02-30", "2026-01-01T25:00:00", "2026-01-01 09:00:00 +99:00", "0001-01-01",
    "9999-12-31", "9999-12-31T23:59:59", "!!int abc", "!!float x", "!!timestamp x", "!!bool maybe",
    "!!binary '???'", "!!python/name:os.system", "!!set {a, b}", "!!omap [a: 1]", ".inf", "-.inf",
    ".nan", "1e400", "99999999999999999999999", "-1", "0", "~", "[]", "{}", "'(a+)+'",
    "'[unclosed'", "'(?P<x>a)(?P=x)'", "'a{1001}'", "'\\\\1'", "'(?<=a)b'", "99999999w",
    "99999999999d", "'mon 25:00'", "'sun 09:00'", "1:30:00", "'Mars/Base'", "'../../etc/passwd'",
    "*undefined", "&anchor x", "'${UNSET}'", "'${bad-name}'", '"\\0"', "0x1F", "0o17", "yes",
    "no", "[[[[[[]]]]]]", "{a: {b: {c: d}}}", "'" + "x" * 3000 + "'", "[a, a, a]", "<<: *x",
    "'json://{nokind}'", "'{chat}{chat}'", "\"\\uD800\"", "-", "? [a]\n  : b",
]  # fmt: skip

MARK = "HOSTILE-VALUE-{}"


def every_mapping(node: Any, path: Path = ()) -> list[Path]:
    """The path of every mapping in the document (where a key can be added)."""
    found = [path] if isinstance(node, dict) else []
    children = (
        node.items()
        if isinstance(node, dict)
        else enumerate(node)
        if isinstance(node, list)
        else []
    )
    for key, value in children:
        found += every_mapping(value, (*path, key))
    return found


def at(document: Any, path: Path) -> Any:
    for part in path:
        document = document[part]
    return document


@st.composite
def hostile_documents(draw: st.DrawFn) -> str:
    """``minimal_document()`` with schema keys set, anywhere, to hostile YAML."""
    document: dict[str, Any] = minimal_document()
    values: list[str] = []
    for _ in range(draw(st.integers(min_value=1, max_value=6), label="edits")):
        target = at(document, draw(st.sampled_from(every_mapping(document)), label="where"))
        key = draw(st.sampled_from([*KEYS, *(str(k) for k in target)]), label="key")
        target[key] = MARK.format(len(values))
        values.append(draw(st.sampled_from(HOSTILE), label="value"))
    text = yaml.safe_dump(document, sort_keys=False, width=10_000)
    for index, value in enumerate(values):
        text = text.replace(MARK.format(index), value.replace("\n", "\n" + " " * 40))
    return text


def load_or_error(text: str) -> LoadedConfig | ConfigError:
    try:
        return load_text(text, SOURCE, {})
    except ConfigError as invalid:
        return invalid


def assert_loads_or_is_placed(text: str) -> None:
    """``text`` loads, or every issue of its ConfigError names the file and a line."""
    invalid = load_or_error(text)  # anything but ConfigError fails the test here
    if isinstance(invalid, ConfigError):
        assert invalid.errors, "a ConfigError without errors"
        for issue in invalid.issues:
            assert issue.file == SOURCE
            assert issue.line is not None or issue.message == "the file is empty", str(issue)
            assert "please report it" not in issue.message, "a conversion left unchecked"
    else:
        assert isinstance(invalid, LoadedConfig)
        answers_who_is_on_call(invalid)


def answers_who_is_on_call(loaded: LoadedConfig) -> None:
    """A config that loads can be served: every rotation says who is on call and when that
    changes over the next month, and the linter reads it (the scan and ``config check`` do)."""
    month = WEDNESDAY_NOON + timedelta(days=30)
    for rotation in loaded.routing.rotations.values():
        rotation.on_call(WEDNESDAY_NOON)
        rotation.changes_between(WEDNESDAY_NOON, month)
    lint(loaded.routing, WEDNESDAY_NOON)


class TestLoaderAnswersConfigOrConfigError:
    """Nothing but a config or a placed ConfigError comes out of the loader."""

    @PROPERTY
    @given(text=hostile_documents())
    @example(text=yaml.safe_dump(minimal_document()).replace("'2026-01-05'", "2026-13-45"))
    @example(text=yaml.safe_dump(minimal_document()).replace("'2026-01-05'", "9999-12-31"))
    @example(text=yaml.safe_dump(minimal_document()).replace("1w", "99999999w"))
    @example(text=yaml.safe_dump(minimal_document()).replace("5m", "99999999w"))
    def test_schema_keys_with_hostile_values(self, text: str) -> None:
        """The real schema's keys holding hostile YAML load, or are errors at file:line."""
        assert_loads_or_is_placed(text)

    @PROPERTY
    @given(
        text=st.text(
            alphabet=st.sampled_from(list("abt0123456789:-[]{}#&*!|>'\"%@`,?.~ \n\tTZ+")),
            max_size=80,
        )
    )
    @example(text="a: 2026-13-45")
    @example(text="a: !!int x")
    def test_random_text(self, text: str) -> None:
        """Any text near YAML's syntax loads, or is an error at file:line."""
        assert_loads_or_is_placed(text)

    @PROPERTY
    @given(value=st.sampled_from(HOSTILE), key=st.sampled_from(KEYS))
    def test_hostile_value_at_the_top(self, value: str, key: str) -> None:
        """Any schema key at the top with any hostile value loads or is an error at a line."""
        assert_loads_or_is_placed(
            yaml.safe_dump(minimal_document(), sort_keys=False) + f"{key}: {value}\n"
        )
