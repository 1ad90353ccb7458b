"""Fingerprint scoping, as properties: callers never meet, and never reach muster's own."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from muster.worker.core.decisions.heartbeats import fingerprint as heartbeat_fingerprint
from muster.worker.core.intake.alerts import group_fingerprint
from muster.worker.core.intake.namespaces import (
    RESERVED_FINGERPRINTS,
    ReservedNamespace,
    caller_fingerprint,
    check_given,
    reserved_prefix,
)

CALLERS = st.from_regex(r"[A-Za-z0-9._-]{1,100}", fullmatch=True)  # config names
GIVEN = st.text(min_size=1, max_size=256)


@given(CALLERS, GIVEN, CALLERS, GIVEN)
def test_scoping_is_injective_across_callers(
    caller: str, fingerprint: str, other: str, other_fingerprint: str
) -> None:
    """Two callers' fingerprints are one only when caller and fingerprint are both the same."""
    same = caller_fingerprint(caller, fingerprint) == caller_fingerprint(other, other_fingerprint)
    assert same == ((caller, fingerprint) == (other, other_fingerprint))


@given(CALLERS, GIVEN, CALLERS, st.text(min_size=1, max_size=200))
def test_a_scoped_fingerprint_is_never_an_alert_groups_or_a_heartbeats(
    caller: str, fingerprint: str, source: str, name: str
) -> None:
    scoped = caller_fingerprint(caller, fingerprint)
    assert scoped not in {group_fingerprint(source, name), heartbeat_fingerprint(name)}


@given(st.sampled_from(RESERVED_FINGERPRINTS), st.text(max_size=50))
def test_every_reserved_fingerprint_is_refused_naming_its_prefix(prefix: str, rest: str) -> None:
    for spelled in (prefix + rest, prefix.upper() + rest):
        assert reserved_prefix(spelled, RESERVED_FINGERPRINTS) == prefix
        with pytest.raises(ReservedNamespace, match=re.escape(repr(prefix))):
            check_given(None, spelled)
