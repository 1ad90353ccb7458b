"""``muster config check``: is this config safe to serve?

A valid config prints a one-line summary on stdout and exits 0. An invalid one prints every error,
with file and line, on stderr and exits 1. A valid but dangerous one prints its warnings on stderr
and exits 0, or 2 with ``--strict``. Whatever happens, values filled in from the environment (the
secrets) never appear in what it prints.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from tests.harness.config_check import check
from tests.harness.configs import EXAMPLE, EXAMPLE_ENV, minimal_document

# The lint judges gaps in rotations "now", on the real clock.
pytestmark = pytest.mark.wallclock

NO_SECRETS: dict[str, str | None] = dict.fromkeys(EXAMPLE_ENV)
"""An environment with every variable the example uses unset."""

EXAMPLE_SUMMARY = (
    f"{EXAMPLE}: OK - 4 severities, 3 roles, 3 services, 9 rotations, 13 people, 1 overrides,"
    " 2 heartbeats, 1 maintenance windows"
)
WEEKLY_WINDOW = "  window search-reindex: Sun "  # the example's weekly window: one in any 7 days


def line_of(path: Path, needle: str) -> int:
    """The 1-based number of the one line of ``path`` that contains ``needle``."""
    lines = path.read_text(encoding="utf-8").splitlines()
    found = [number for number, text in enumerate(lines, 1) if needle in text]
    assert len(found) == 1, f"{needle!r} is on lines {found}"
    return found[0]


def assert_no_secrets(result: Result, secrets: dict[str, str]) -> None:
    """No secret value appears in anything the command printed."""
    printed = result.stdout + result.stderr
    for name, value in secrets.items():
        assert value not in printed, f"the value of {name} was printed"


def with_edit(edit: Callable[[dict[str, Any]], object]) -> dict[str, Any]:
    """``minimal_document()`` with ``edit`` applied."""
    document = minimal_document()
    edit(document)
    return document


class TestAValidConfig:
    """A config that loads and lints clean passes with a one-line summary."""

    def test_example_passes_with_its_environment(self) -> None:
        """The shipped example, with its variables set, exits 0 with one summary line."""
        result = check(str(EXAMPLE), env=EXAMPLE_ENV)
        assert result.exit_code == 0, result.output
        summary, *windows = result.stdout.splitlines()
        assert summary == f"{EXAMPLE_SUMMARY} (0 warnings)"
        assert windows
        assert all(line.startswith(WEEKLY_WINDOW) for line in windows)
        assert result.stderr == ""

    def test_default_path_is_muster_config(self) -> None:
        """Without a PATH, the file named by ``$MUSTER_CONFIG`` is checked."""
        result = check(env={**EXAMPLE_ENV, "MUSTER_CONFIG": str(EXAMPLE)})
        assert result.exit_code == 0, result.output
        assert result.stdout.startswith(f"{EXAMPLE}: OK - ")

    def test_strict_passes_a_clean_config(self) -> None:
        """``--strict`` only fails on warnings; a clean config still exits 0."""
        result = check("--strict", str(EXAMPLE), env=EXAMPLE_ENV)
        assert result.exit_code == 0, result.output

    def test_minimal_document_is_clean(self, write_config: Callable[..., Path]) -> None:
        """The document the warning tests start from has no warnings of its own."""
        path = write_config(minimal_document())
        result = check("--strict", str(path))
        assert result.exit_code == 0, result.output
        assert result.stdout.endswith("(0 warnings)\n")


class TestMissingSecrets:
    """Unset variables fail the check, unless ``--without-secrets`` leaves placeholders."""

    def test_example_fails_without_its_environment(self) -> None:
        """Each unset variable is an error naming it and the place that wants it."""
        result = check(str(EXAMPLE), env=NO_SECRETS)
        assert result.exit_code == 1
        assert result.stdout == ""
        for name in EXAMPLE_ENV:
            assert f"environment variable {name} is not set" in result.stderr
        line = line_of(EXAMPLE, "  chat:  ")
        assert (
            f"{EXAMPLE}:{line}: error: contacts.chat: environment variable SLACK_TOKEN is not set"
            in result.stderr.splitlines()
        )

    def test_without_secrets_lets_the_example_pass(self) -> None:
        """``--without-secrets`` passes the example with no environment, naming the placeholders."""
        result = check("--without-secrets", str(EXAMPLE), env=NO_SECRETS)
        assert result.exit_code == 0, result.output
        names = ", ".join(sorted(EXAMPLE_ENV))
        assert result.stdout.splitlines()[0] == (
            f"{EXAMPLE_SUMMARY} (0 warnings; unset variables left as placeholders: {names})"
        )

    def test_without_secrets_still_uses_the_variables_that_are_set(self) -> None:
        """Set variables are used (and not listed as placeholders, nor printed)."""
        env: dict[str, str | None] = {**NO_SECRETS, "SLACK_TOKEN": EXAMPLE_ENV["SLACK_TOKEN"]}
        result = check("--without-secrets", str(EXAMPLE), env=env)
        assert result.exit_code == 0, result.output
        placeholders = result.stdout.split("placeholders: ", 1)[1]
        assert "SLACK_TOKEN" not in placeholders
        assert "SMTP_USER" in placeholders
        assert_no_secrets(result, {"SLACK_TOKEN": EXAMPLE_ENV["SLACK_TOKEN"]})


class TestAnInvalidConfig:
    """Every error is printed to stderr, with file and line, and the exit status is 1."""

    BROKEN = """\
version: 1
timezone: Mars/Base
severity:
  impacts: [major]
  urgencies: [high]
  matrix: {major: {high: SEV1}}
  levels:
    SEV1: {page: [sme], via: [chat], ack_within: 5 minutes}
services:
  api: {smes: api-oncal}
rotations:
  api-oncall: {members: [cat]}
people:
  cat: {name: Cat, chat: cat}
contacts: {chat: "json://127.0.0.1/{chat}"}
"""

    def test_all_errors_on_stderr(self, write_config: Callable[..., Path]) -> None:
        """Each error is one stderr line, in file order, then a count; stdout stays empty."""
        path = write_config(self.BROKEN)
        result = check(str(path))
        assert result.exit_code == 1
        assert result.stdout == ""
        assert result.stderr.splitlines() == [
            f"{path}:2: error: timezone: unknown timezone 'Mars/Base': use an IANA name like"
            " Europe/Dublin",
            f"{path}:8: error: severity.levels.SEV1.ack_within: '5 minutes' is not a duration:"
            " use a number and a unit, e.g. 5m, 1h30m, 2w",
            f"{path}:10: error: services.api.smes: unknown rotation 'api-oncal'"
            " (did you mean 'api-oncall'?)",
            f"{path}: invalid, 3 errors",
        ]

    def test_strict_does_not_change_the_status_of_errors(
        self, write_config: Callable[..., Path]
    ) -> None:
        """An invalid config exits 1 with or without ``--strict``."""
        result = check("--strict", str(write_config(self.BROKEN)))
        assert result.exit_code == 1

    def test_missing_file(self, tmp_path: Path) -> None:
        """A file that cannot be read is one error, not a traceback."""
        path = tmp_path / "missing.yaml"
        result = check(str(path))
        assert result.exit_code == 1
        assert result.exception is None or isinstance(result.exception, SystemExit)
        assert result.stderr.splitlines() == [
            f"{path}: error: (document): cannot read the file: No such file or directory",
            f"{path}: invalid, 1 error",
        ]

    def test_yaml_syntax_error(self, write_config: Callable[..., Path]) -> None:
        """A YAML syntax error is reported at its line."""
        path = write_config("version: 1\nseverity:\n  impacts: [major\n  urgencies: [high]\n")
        result = check(str(path))
        assert result.exit_code == 1
        assert result.stderr.startswith(f"{path}:4: error: (document): YAML syntax: ")


class TestWarnings:
    """A valid but dangerous config passes, with each danger printed as a warning on stderr."""

    @pytest.fixture
    def warned(self, write_config: Callable[..., Path]) -> Callable[..., tuple[Path, Result]]:
        """Write ``document``, check it, and require that it passed with warnings."""

        def run(document: dict[str, Any]) -> tuple[Path, Result]:
            path = write_config(document)
            result = check(str(path))
            assert result.exit_code == 0, result.output
            assert len(result.stdout.splitlines()) == 1
            assert "OK - " in result.stdout
            assert "(0 warnings)" not in result.stdout
            return path, result

        return run

    def test_rotation_with_no_members_used_by_a_role(
        self, warned: Callable[..., tuple[Path, Result]]
    ) -> None:
        """A role escalating to an empty rotation: nobody would be paged through it."""
        path, result = warned(with_edit(lambda d: d["rotations"]["managers"].update(members=[])))
        line = line_of(path, "members: []")
        # Where it is used is named too (today as escalate_to.0; escalate_to[0] would be better).
        assert (
            f"{path}:{line}: warning: rotations.managers.members: has no members, so nobody is"
            " paged through it (used at roles.commander.escalate_to"
        ) in result.stderr
        assert (
            f"{path}:{line_of(path, '- managers')}: warning: roles.commander.escalate_to[0]:"
            " ends nowhere: rotation 'managers' has no members"
        ) in result.stderr.splitlines()

    def test_person_unreachable_by_a_kind_a_level_asks_for(
        self, warned: Callable[..., tuple[Path, Result]]
    ) -> None:
        """SEV1 pages by email; a member with no email and no fallback for it is warned about."""
        path, result = warned(with_edit(lambda d: d["people"]["cat"].pop("email")))
        line = line_of(path, "  cat:")
        assert (
            f"{path}:{line}: warning: people.cat: cannot be reached by email (SEV1 page by it)"
            " and has no address along its fallback email"
        ) in result.stderr.splitlines()

    def test_an_address_apprise_would_drop(
        self, warned: Callable[..., tuple[Path, Result]]
    ) -> None:
        """Apprise refuses an email address without a dotted domain: cat would get no email."""
        path, result = warned(with_edit(lambda d: d["people"]["cat"].update(email="cat@mail")))
        line = line_of(path, "cat@mail")
        assert (
            f"{path}:{line}: warning: people.cat.email: Apprise: accepts this URL but warns:"
            " Dropped invalid To email (****) specified."
        ) in result.stderr.splitlines()

    def test_a_contact_template_apprise_cannot_use(
        self, warned: Callable[..., tuple[Path, Result]]
    ) -> None:
        """A chat template of a service Apprise does not know: every chat address is named."""
        _, result = warned(
            with_edit(lambda d: d["contacts"].update(chat="nosuchservice://chat/{chat}"))
        )
        for person in ("ann", "ben", "cat", "dan"):
            assert f"warning: people.{person}.chat: Apprise: cannot use this URL" in result.stderr

    def test_escalation_looping_back_to_the_roles_own_rotation(
        self, warned: Callable[..., tuple[Path, Result]]
    ) -> None:
        """Escalating from commanders back to commanders pages the same people again."""
        path, result = warned(
            with_edit(
                lambda d: d["roles"]["commander"].update(escalate_to=["managers", "commanders"])
            )
        )
        line = line_of(path, "- commanders")
        assert (
            f"{path}:{line}: warning: roles.commander.escalate_to[1]: loops back to rotation"
            " 'commanders', already paged earlier in this chain"
        ) in result.stderr.splitlines()

    def test_level_paging_nobody_for_a_service(
        self, warned: Callable[..., tuple[Path, Result]]
    ) -> None:
        """SEV2 pages only SMEs; a service whose SME rotation is empty gets nobody."""

        def edit(document: dict[str, Any]) -> None:
            document["services"]["billing"] = {"smes": "billing-oncall"}
            document["rotations"]["billing-oncall"] = {"members": []}

        path, result = warned(with_edit(edit))
        line = line_of(path, "  SEV2:")
        assert f"{path}:{line}: warning: severity.levels.SEV2: pages nobody for billing at " in (
            result.stderr
        )

    def test_rotation_starting_in_the_future(
        self, warned: Callable[..., tuple[Path, Result]]
    ) -> None:
        """A rotation whose first turn is yet to come has nobody on call now: a gap."""
        path, result = warned(
            with_edit(
                lambda d: d["rotations"].update(
                    {
                        "api-oncall": {
                            "members": ["cat"],
                            "every": "1d",
                            "handoff": "09:00",
                            "start": "2999-01-01",
                        }
                    }
                )
            )
        )
        line = line_of(path, "  api-oncall:")
        assert (
            f"{path}:{line}: warning: rotations.api-oncall: has nobody on call now; its first"
            " turn begins 2999-01-01T09:00:00+00:00"
        ) in result.stderr.splitlines()
        assert "warning: severity.levels.SEV2: pages nobody for api at " in result.stderr

    def test_warning_count_is_in_the_summary(
        self, warned: Callable[..., tuple[Path, Result]]
    ) -> None:
        """The summary counts the warnings printed above it."""
        _, result = warned(
            with_edit(lambda d: d["roles"]["commander"].update(escalate_to=["commanders"]))
        )
        count = len(result.stderr.splitlines())
        assert count == 1
        assert result.stdout.endswith("(1 warning)\n")

    def test_strict_exits_2_on_warnings(self, write_config: Callable[..., Path]) -> None:
        """``--strict`` turns warnings into a failure (status 2), still printing them all."""
        path = write_config(with_edit(lambda d: d["rotations"]["managers"].update(members=[])))
        result = check("--strict", str(path))
        assert result.exit_code == 2
        assert "warning: rotations.managers.members: has no members" in result.stderr
        assert "OK - " in result.stdout


class TestSecretsAreNeverPrinted:
    """Values filled in from the environment appear in no output of the command."""

    def test_not_in_the_summary(self) -> None:
        """A passing check of the example prints none of its secrets."""
        result = check(str(EXAMPLE), env=EXAMPLE_ENV)
        assert result.exit_code == 0
        assert_no_secrets(result, EXAMPLE_ENV)

    def test_not_in_errors(self, write_config: Callable[..., Path]) -> None:
        """Errors in a config full of secrets print none of them."""
        text = EXAMPLE.read_text(encoding="utf-8")
        text = text.replace("smes: payments-oncall", "smes: payments-oncal")
        text = text.replace("ack_within: 5m ", "ack_within: 5 minutes ")
        text = text.replace("fallback: {sms: email", "fallback: {sms: emial")
        path = write_config(text)
        result = check(str(path), env=EXAMPLE_ENV)
        assert result.exit_code == 1
        assert result.stderr.endswith(f"{path}: invalid, 3 errors\n")
        assert_no_secrets(result, EXAMPLE_ENV)

    def test_not_in_warnings(self, write_config: Callable[..., Path]) -> None:
        """Warnings about a config full of secrets print none of them."""
        text = EXAMPLE.read_text(encoding="utf-8")
        text = text.replace(
            "eng-managers:        {members: [laura]}", "eng-managers: {members: []}"
        )
        text = text.replace("sms: email, chat: email", "chat: email")
        path = write_config(text)
        result = check(str(path), env=EXAMPLE_ENV)
        assert result.exit_code == 0, result.output
        assert "warning: rotations.eng-managers.members: has no members" in result.stderr
        assert "cannot be reached by sms" in result.stderr
        assert_no_secrets(result, EXAMPLE_ENV)

    def test_not_in_what_apprise_says(self) -> None:
        """Apprise rejects a malformed Twilio token; the warning names it masked."""
        env = {**EXAMPLE_ENV, "TWILIO_TOKEN": "not-a-twilio-token-secret"}
        result = check(str(EXAMPLE), env=env)
        assert result.exit_code == 0, result.output
        assert "people.alice.sms: Apprise: cannot use this URL" in result.stderr
        assert "An invalid Twilio Authentication Token (****)" in result.stderr
        assert_no_secrets(result, env)

    def test_not_with_placeholders(self) -> None:
        """``--without-secrets`` prints the names of unset variables, never values of set ones."""
        env: dict[str, str | None] = {**EXAMPLE_ENV, "SMTP_PASSWORD": None}
        result = check("--without-secrets", str(EXAMPLE), env=env)
        assert result.exit_code == 0, result.output
        assert "placeholders: SMTP_PASSWORD)" in result.stdout
        assert_no_secrets(result, {k: v for k, v in EXAMPLE_ENV.items() if k != "SMTP_PASSWORD"})

    def test_not_when_a_secret_contains_braces(self) -> None:
        """A password like ``pass{word}`` is just a password: the example still passes."""
        env = {**EXAMPLE_ENV, "SMTP_PASSWORD": "pass{word}"}
        result = check(str(EXAMPLE), env=env)
        assert "{word}" not in result.output
        assert result.exit_code == 0, result.output

    def test_not_when_an_error_quotes_an_interpolated_value(
        self, write_config: Callable[..., Path]
    ) -> None:
        """An error about a value filled from the environment does not print the value."""
        document = with_edit(lambda d: d.update(timezone="${TEAM_ZONE}"))
        path = write_config(document)
        result = check(str(path), env={"TEAM_ZONE": "Secret/Zone-4711"})
        assert result.exit_code == 1
        assert "error: timezone: unknown timezone" in result.stderr
        assert_no_secrets(result, {"TEAM_ZONE": "Secret/Zone-4711"})


class TestMaintenanceWindows:
    """After the summary, the windows active at some time in the next 7 days, one line each."""

    def test_the_coming_week_s_windows_are_listed_and_later_ones_not(
        self, write_config: Callable[..., Path]
    ) -> None:
        """A window in an hour is listed, in its zone, with its reason; one in 8 days is not."""
        now = datetime.now(UTC).replace(second=0, microsecond=0)

        def window(hours: int, reason: str) -> dict[str, Any]:
            starts = now + timedelta(hours=hours)
            return {
                "reason": reason,
                "scope": {"services": ["api"]},
                "start": starts.isoformat(),
                "end": (starts + timedelta(hours=2)).isoformat(),
                "timezone": "UTC",
            }

        document = with_edit(
            lambda d: d.update(
                maintenance={"windows": {"soon": window(1, "Failover"), "later": window(192, "x")}}
            )
        )
        result = check("--strict", str(write_config(document)))
        assert result.exit_code == 0, result.output
        summary, *windows = result.stdout.splitlines()
        assert summary.endswith("2 maintenance windows (0 warnings)")
        starts = now + timedelta(hours=1)
        (line,) = windows
        assert line.startswith(f"  window soon: {starts:%a %Y-%m-%d %H:%M} to ")
        assert line.endswith(f"{starts + timedelta(hours=2):%H:%M} UTC: Failover")
