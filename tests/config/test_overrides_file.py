"""The overrides file beside the routing config: loaded with it, checked with it, watched with it.

``routing.yaml``'s overrides file is ``routing.overrides.yaml``. Each test writes real files and
loads them through the loader and the watcher the worker uses: the file's overrides decide who is
on call from their first second until their last; its errors are the config's errors at the
overrides file's own lines; and a bad overrides file never stops paging (the config already
served keeps serving).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from muster.config.loader import load_config
from muster.config.overrides_file import overrides_path
from muster.config.watch import ConfigSource
from muster.worker.core.config.issues import ConfigError
from tests.harness.configs import minimal_document

FROM = datetime(2026, 3, 4, 18, 0, tzinfo=UTC)  # a Wednesday: ann holds commanders that week
UNTIL = FROM + timedelta(hours=14)


def entry(**changes: Any) -> dict[str, Any]:
    swap: dict[str, Any] = {
        "id": "ov-ben-covers",
        "rotation": "commanders",
        "person": "ben",
        "from": FROM.isoformat(),
        "until": UNTIL.isoformat(),
        "reason": "ann's evening off",
        "author": "ben",
        "created": "2026-03-01T10:00:00+00:00",
    }
    return {**swap, **changes}


def write(tmp_path: Path, *entries: dict[str, Any]) -> Path:
    config = tmp_path / "routing.yaml"
    config.write_text(yaml.safe_dump(minimal_document(), sort_keys=False), encoding="utf-8")
    overrides_path(config).write_text(
        yaml.safe_dump({"overrides": list(entries)}, sort_keys=False), encoding="utf-8"
    )
    return config


def test_the_overrides_file_sits_beside_the_routing_config() -> None:
    assert overrides_path(Path("/etc/muster/routing.yaml")) == Path(
        "/etc/muster/routing.overrides.yaml"
    )


def test_an_override_in_the_file_holds_the_rotation_from_its_first_second_to_its_last(
    tmp_path: Path,
) -> None:
    routing = load_config(write(tmp_path, entry())).routing

    assert routing.on_call("commanders", FROM - timedelta(seconds=1)) == "ann"
    assert routing.on_call("commanders", FROM) == "ben"
    assert routing.on_call("commanders", UNTIL - timedelta(seconds=1)) == "ben"
    assert routing.on_call("commanders", UNTIL) == "ann"


def test_the_files_overrides_win_over_the_configs_own(tmp_path: Path) -> None:
    config = write(tmp_path, entry(person="dan"))
    document = minimal_document()
    document["people"]["dan"] = {"name": "Dan", "chat": "dan"}
    document["overrides"] = [
        {"rotation": "commanders", "person": "ben", "from": FROM, "until": UNTIL}
    ]
    config.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")

    assert load_config(config).routing.on_call("commanders", FROM) == "dan"


def test_no_overrides_file_is_no_overrides(tmp_path: Path) -> None:
    config = write(tmp_path)
    overrides_path(config).unlink()

    assert load_config(config).routing.on_call("commanders", FROM) == "ann"


def test_an_error_in_the_overrides_file_is_named_at_its_file_and_line(tmp_path: Path) -> None:
    config = write(tmp_path, entry(), entry(id="ov-2", person="zed"))

    with pytest.raises(ConfigError) as raised:
        load_config(config)

    lines = overrides_path(config).read_text(encoding="utf-8").splitlines()
    zed = next(n for n, text in enumerate(lines, 1) if "zed" in text)
    assert [str(issue) for issue in raised.value.errors] == [
        f"{overrides_path(config)}:{zed}: error: overrides[1].person: unknown person 'zed'"
    ]


def test_the_overrides_files_own_fields_are_checked(tmp_path: Path) -> None:
    config = write(tmp_path, entry(), entry(reason=3), {**entry(), "created": "yesterday"})

    with pytest.raises(ConfigError) as raised:
        load_config(config)

    messages = {(issue.line, issue.message) for issue in raised.value.errors}
    assert {message for _, message in messages} == {
        "duplicate id 'ov-ben-covers' (first at overrides[0])",
        "must be text",
        "must be an RFC 3339 time",
    }
    assert all(line is not None for line, _ in messages)


def test_an_overrides_file_of_another_shape_is_refused_at_line_one(tmp_path: Path) -> None:
    config = write(tmp_path)
    overrides_path(config).write_text("- rotation: commanders\n", encoding="utf-8")

    with pytest.raises(ConfigError) as raised:
        load_config(config)

    assert str(raised.value.errors[0]).startswith(f"{overrides_path(config)}:1: error:")


def test_the_watcher_reloads_when_only_the_overrides_file_changes(tmp_path: Path) -> None:
    config = write(tmp_path)
    served = ConfigSource(config, interval=0)
    assert served.current().routing.on_call("commanders", FROM) == "ann"

    write(tmp_path, entry())

    assert served.current().routing.on_call("commanders", FROM) == "ben"


def test_a_bad_overrides_file_leaves_the_last_good_config_serving(tmp_path: Path) -> None:
    config = write(tmp_path, entry())
    served = ConfigSource(config, interval=0)

    overrides_path(config).write_text("overrides: [{id: x, rotation: nope}]\n", encoding="utf-8")

    assert served.current().routing.on_call("commanders", FROM) == "ben"
    assert served.last_error is not None
    assert served.last_error.errors[0].file == str(overrides_path(config))
    assert served.status().startswith(
        f"{config} is rejected (4 errors, the first at line 1 of routing.overrides.yaml)"
    )
