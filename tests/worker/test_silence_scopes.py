"""A silence means the same whichever way it came in: ``muster silence add``'s options and
``POST /v1/silences``'s body give the same scope, or the same refusal, for any scope."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from muster.config.loader import load_config
from muster.worker.cli.silence import scope_from_options
from muster.worker.core.config.maintenance import HoldScope
from muster.worker.core.decisions.silences import SilenceRefused
from muster.worker.web.silences import SilenceBody, draft_of
from tests.harness.configs import DEMO, WEDNESDAY_NOON

CONFIG = load_config(DEMO, {}).routing.config

label_names = st.from_regex(r"\A[A-Za-z_][A-Za-z0-9_]{0,20}\Z")
values = st.text(max_size=40)  # anything, '=' included: only the first '=' splits
patterns = st.one_of(st.sampled_from(["db-.*", "(a|b)+", "(", "x{2,}", "a(?=b)", ""]), values)
names = st.lists(
    st.sampled_from(["search", "payments-api", "platform", "SEV1", "SEV3"]), max_size=3
)


def by_cli(
    services: list[str], match: dict[str, str], match_re: dict[str, str], severities: list[str]
) -> HoldScope | str:
    labels = tuple(f"{name}={value}" for name, value in match.items())
    label_res = tuple(f"{name}={pattern}" for name, pattern in match_re.items())
    try:
        return scope_from_options(tuple(services), labels, label_res, tuple(severities))
    except SilenceRefused as refused:
        return str(refused)


def by_web(body: dict[str, Any]) -> HoldScope | str:
    parsed = SilenceBody.model_validate_json(json.dumps(body))
    try:
        return draft_of(parsed, "chatbot", CONFIG, WEDNESDAY_NOON).scope
    except SilenceRefused as refused:
        return str(refused)


@given(
    services=names,
    match=st.dictionaries(label_names, values, max_size=3),
    match_re=st.dictionaries(label_names, patterns, max_size=3),
    severities=names,
)
@settings(max_examples=300)
def test_the_cli_and_the_web_read_a_scope_alike(
    services: list[str], match: dict[str, str], match_re: dict[str, str], severities: list[str]
) -> None:
    body = {
        "services": services,
        "match": match,
        "match_re": match_re,
        "severities": severities,
        "for": "2h",
        "reason": "r",
    }
    assert by_cli(services, match, match_re, severities) == by_web(body)
