"""Secrets from the environment, and people's addresses, never show in what muster prints."""

from __future__ import annotations

from muster.worker.core.config.masking import MASK, mask_text, mask_url, url_secrets
from muster.worker.core.paging.routing import Routing
from tests.harness.configs import EXAMPLE_ENV


class TestMaskUrl:
    def test_slack_tokens_hidden_channel_kept(self) -> None:
        """A Slack URL keeps its #channel and hides its tokens."""
        assert mask_url("slack://T000/B000/XXXX/#incidents") == "slack://****/****/****/#incidents"

    def test_credentials_and_query_values_hidden_host_kept(self) -> None:
        """An SMTP URL keeps its host; user, password and recipient are hidden."""
        masked = mask_url("mailtos://user:pw@smtp.example.com?to=a@b.com")
        assert masked == "mailtos://****@smtp.example.com?to=****"

    def test_phone_numbers_in_sms_urls_hidden(self) -> None:
        """Twilio URLs put account, token and both phone numbers in the URL: all hidden."""
        masked = mask_url("twilio://AC123:tok@+15551234/+353850000001")
        assert "+353850000001" not in masked
        assert "tok" not in masked

    def test_known_secret_masked_even_inside_a_host(self) -> None:
        """A secret that happens to look like a host is still masked."""
        assert (
            mask_url("json://hook-secret.example.com/x", ["hook-secret"]) == f"json://{MASK}/{MASK}"
        )

    def test_unparseable_is_masked_whole(self) -> None:
        """What cannot be parsed as a URL is not shown at all."""
        assert mask_url("not a url") == MASK


class TestMaskText:
    def test_urls_inside_messages_are_masked_but_web_links_kept(self) -> None:
        """Apprise URLs in error text are masked; plain https runbook links stay readable."""
        text = mask_text("sending to slack://a/b/c failed; see https://runbooks.test/x")
        assert text == "sending to slack://****/****/**** failed; see https://runbooks.test/x"

    def test_known_secrets_masked_anywhere(self) -> None:
        """Every value filled in from the environment is masked wherever it appears."""
        assert mask_text("token=abcd1234 ok", ["abcd1234"]) == "token=**** ok"


def test_config_repr_shows_no_secret_and_no_address(example: Routing) -> None:
    """Printing the loaded config (a log line, a traceback) leaks no secret or phone number."""
    text = repr(example)
    for secret in EXAMPLE_ENV.values():
        assert secret not in text
    assert "+353850000001" not in text
    assert "alice@example.com" not in text


def test_filled_in_environment_values_are_known_secrets(example: Routing) -> None:
    """The loader remembers every ${NAME} value so it can be masked."""
    assert set(EXAMPLE_ENV.values()) <= example.secrets


class TestUrlSecrets:
    def test_tokens_and_passwords_written_literally_are_secrets(self) -> None:
        """A token in a path or a query, a phone number, a password: what a request line or an
        error could print bare, where no URL is left around it to mask."""
        assert url_secrets("mmost://chat.test/7f3ab9c2e1d04a5b8c6d?to=incidents") == {
            "7f3ab9c2e1d04a5b8c6d"
        }
        assert url_secrets("signal://sms.test/+15550000000/{sms}") == {"+15550000000"}
        assert url_secrets("json://h.test/x?token=abc123def456ghi789") == {"abc123def456ghi789"}
        assert url_secrets("mailto://muster:s3cret@smtp.test?to={email}") == {"s3cret"}

    def test_words_channels_and_placeholders_are_not(self) -> None:
        """Masking a channel name or the word "muster" in every log line would hide what a
        reader needs and protect nothing."""
        assert url_secrets("mmost://chat.test/hooks?to=payments-incidents") == frozenset()
        assert url_secrets("mailto://muster:@smtp.test?from=muster@example.test") == frozenset()
        assert url_secrets("signal://sms.test/{sms_from_placeholder_1234}/{sms}") == frozenset()


def test_literal_tokens_in_the_config_are_private_values(example: Routing) -> None:
    """A room URL with its token written in the file, not through ${NAME}, is masked too."""
    token = "0123456789abcdefghij"
    config = example.config.model_copy(
        update={
            "broadcasts": example.config.broadcasts.model_copy(
                update={"incident_room": f"mmost://chat.test/{token}?to=incidents"}
            )
        }
    )
    assert token in Routing.from_config(config, example.secrets).private_values
