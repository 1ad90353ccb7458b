"""Twilio's request signature, computed as Twilio documents it."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from muster.worker.core.intake.twilio_signature import signed_urls, twilio_signature, twilio_signed

# Twilio's documented example ("Validating requests are coming from Twilio").
URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
PARAMS = {
    "CallSid": "CA1234567890ABCDE",
    "Caller": "+12349013030",
    "Digits": "1234",
    "From": "+12349013030",
    "To": "+18005551212",
}


def test_twilio_s_documented_example_vector() -> None:
    assert twilio_signature("12345", URL, PARAMS.items()) == "0/KCTR6DLpKmkAf8muzZqo1nDgQ="


def test_the_order_params_were_posted_in_does_not_matter() -> None:
    assert twilio_signed("12345", [URL], reversed(PARAMS.items()), "0/KCTR6DLpKmkAf8muzZqo1nDgQ=")


@given(st.text(max_size=40))
def test_anything_else_is_not_the_signature(given_signature: str) -> None:
    assert twilio_signed("12345", [URL], PARAMS.items(), given_signature) == (
        given_signature == "0/KCTR6DLpKmkAf8muzZqo1nDgQ="
    )


def test_another_url_or_token_signs_differently() -> None:
    expected = twilio_signature("12345", URL, PARAMS.items())
    assert twilio_signature("12346", URL, PARAMS.items()) != expected
    assert twilio_signature("12345", URL + "&x=1", PARAMS.items()) != expected


def test_the_urls_tried_are_the_configured_one_with_and_without_port_and_credentials() -> None:
    assert signed_urls("https://m.example.com/v1/replies/sms?x=1", "twilio:secret") == [
        "https://m.example.com/v1/replies/sms?x=1",
        "https://m.example.com:443/v1/replies/sms?x=1",
        "https://twilio:secret@m.example.com/v1/replies/sms?x=1",
        "https://twilio:secret@m.example.com:443/v1/replies/sms?x=1",
    ]
    assert signed_urls("http://m.example.com:8080/sms") == ["http://m.example.com:8080/sms"]
    assert signed_urls("https://m.example.com:443/sms") == [
        "https://m.example.com/sms",
        "https://m.example.com:443/sms",
    ]
