"""Alert label matchers: Alertmanager's ``match``/``match_re`` vocabulary, on RE2.

One type for every part of the config that picks alerts by their labels (``intake.rules``, a
maintenance window's scope), so a matcher written in one place means the same in the other.
"""

from __future__ import annotations

from functools import cache, cached_property
from types import ModuleType
from typing import TYPE_CHECKING, Annotated

from pydantic import AfterValidator, Field, StringConstraints

from muster.worker.core.config.fields import Strict

if TYPE_CHECKING:
    import re2

LabelName = Annotated[str, StringConstraints(min_length=1, max_length=100)]


# RE2 is imported by the first config that has a ``match_re``: a web process whose config has
# none holds 2.4 MB less (issue 19, the web's memory).
@cache
def _re2() -> tuple[ModuleType, re2.Options]:
    import re2  # noqa: PLC0415

    options = re2.Options()
    options.log_errors = False  # a refused pattern is a config error, not a line on stderr
    return re2, options


def compile_matcher(pattern: str) -> re2._Regexp:
    """``pattern`` as RE2 runs it: in time linear in the label, whatever the pattern (the
    engine Alertmanager's own matchers use)."""
    engine, options = _re2()
    return engine.compile(pattern, options)


def _compiles(pattern: str) -> str:
    engine, _ = _re2()
    try:
        compile_matcher(pattern)
    except engine.error as problem:
        reason = problem.args[0] if problem.args else problem
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", "replace")
        raise ValueError(
            f"{pattern!r} is not a regular expression RE2 runs ({reason}): RE2 has no back"
            " references or look-arounds"
        ) from None
    return pattern


Pattern = Annotated[str, StringConstraints(max_length=500), AfterValidator(_compiles)]


class LabelMatchers(Strict):
    """Labels an alert must have: each ``match`` equal, each ``match_re`` matched whole."""

    match: dict[LabelName, str] = Field(default_factory=dict)
    match_re: dict[LabelName, Pattern] = Field(default_factory=dict)

    @cached_property
    def _patterns(self) -> tuple[tuple[str, re2._Regexp], ...]:
        return tuple((name, compile_matcher(pattern)) for name, pattern in self.match_re.items())

    @property
    def has_matchers(self) -> bool:
        """Whether any label is asked for at all."""
        return bool(self.match or self.match_re)

    def matches(self, labels: dict[str, str]) -> bool:
        """Whether every matcher holds: the whole label (anchored at both ends, as Alertmanager
        anchors), a missing label being the empty string (as Alertmanager)."""
        return all(labels.get(name, "") == value for name, value in self.match.items()) and all(
            pattern.fullmatch(labels.get(name, "")) is not None for name, pattern in self._patterns
        )
