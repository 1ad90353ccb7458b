"""A producer command reads only the names a config defines (issue 19: building the whole
config was most of ``muster declare``'s time); whenever the whole config loads, those names are
exactly its own, so the CLI refuses what the web and the worker refuse."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from muster.config.loader import load_text
from muster.config.names_file import names_in, read_names
from muster.worker.core.config.issues import ConfigError
from muster.worker.core.config.names import DefinesNames
from tests.harness.configs import DEMO, EXAMPLE, EXAMPLE_ENV, minimal_document

NAMES = st.from_regex(r"[A-Za-z0-9._-]{1,12}", fullmatch=True)
NOT_A_NAME = st.sampled_from(["", "two words", "x" * 101, "ünï", "${CHAT}"])


def defined(config: DefinesNames) -> dict[str, Any]:
    """Every name a check reads, comparable across the two readers."""
    severity = config.severity
    return {
        "impacts": list(severity.impacts),
        "urgencies": list(severity.urgencies),
        "matrix": {impact: dict(row) for impact, row in severity.matrix.items()},
        "roles": list(config.roles),
        "services": list(config.services),
        "fallback_service": config.fallback_service,
        "people": list(config.people),
        "heartbeats": list(config.heartbeats),
    }


@pytest.mark.parametrize("path", [DEMO, EXAMPLE], ids=["demo", "example"])
def test_the_packaged_configs_names_are_read_alone_as_the_whole_config_has_them(
    path: Path,
) -> None:
    text = path.read_text()
    whole = load_text(text, str(path), EXAMPLE_ENV).routing.config
    alone = read_names(path, EXAMPLE_ENV)
    assert alone is not None
    assert defined(alone) == defined(whole)


@st.composite
def renamed_documents(draw: st.DrawFn) -> dict[str, Any]:
    """The minimal config with names drawn for each kind, some of them not valid names."""
    document = copy.deepcopy(minimal_document())
    severity = document["severity"]
    impacts = draw(st.lists(NAMES, min_size=1, max_size=3, unique=True))
    urgencies = draw(st.lists(NAMES, min_size=1, max_size=3, unique=True))
    severity["impacts"], severity["urgencies"] = impacts, urgencies
    severity["matrix"] = {impact: dict.fromkeys(urgencies, "SEV1") for impact in impacts}
    if draw(st.booleans()) and draw(st.booleans()):
        del severity["matrix"][impacts[0]]
    for person in draw(st.lists(NAMES, max_size=3, unique=True)):
        document["people"].setdefault(person, {"name": "P", "chat": "p"})
    for service in draw(st.lists(NAMES, max_size=2, unique=True)):
        document["services"].setdefault(service, {"smes": "api-oncall"})
    for role in draw(st.lists(NAMES, max_size=2, unique=True)):
        document["roles"].setdefault(role, {"rotation": "commanders"})
    document["fallback_service"] = draw(st.sampled_from([None, "api", *document["services"]]))
    if draw(st.integers(0, 9)) == 0:  # not a name: the whole config refuses it
        severity["urgencies"][-1] = draw(NOT_A_NAME)
    return document


@given(document=renamed_documents(), chat=st.one_of(NAMES, NOT_A_NAME))
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_whenever_the_whole_config_loads_its_names_are_the_ones_read_alone(
    document: dict[str, Any], chat: str
) -> None:
    document["people"]["ann"]["chat"] = "${CHAT}"  # filled from the environment by both
    text = yaml.safe_dump(document, sort_keys=False)
    environ = {"CHAT": chat}
    try:
        whole = load_text(text, "routing.yaml", environ).routing.config
    except ConfigError:
        return  # the worker refuses this config: a producer's check then proves nothing
    alone = names_in(text, environ)
    assert alone is not None
    assert defined(alone) == defined(whole)


def test_names_are_not_read_from_a_file_that_is_not_yaml_of_a_config(tmp_path: Path) -> None:
    """The worker judges then: the message is sent unchecked."""
    broken = tmp_path / "routing.yaml"
    broken.write_text("severity: [unclosed\n")
    assert read_names(broken, {}) is None
    assert read_names(tmp_path / "missing.yaml", {}) is None
    assert names_in("- a list\n", {}) is None
    assert names_in("severity: {impacts: [a]}\n", {}) is None
