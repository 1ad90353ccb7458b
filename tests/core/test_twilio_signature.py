"""Twilio's request signature, computed as Twilio documents it."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from muster.worker.core.twilio_signature import twilio_signature, twilio_signed

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
    assert twilio_signed("12345", URL, reversed(PARAMS.items()), "0/KCTR6DLpKmkAf8muzZqo1nDgQ=")


@given(st.text(max_size=40))
def test_anything_else_is_not_the_signature(given_signature: str) -> None:
    assert twilio_signed("12345", URL, PARAMS.items(), given_signature) == (
        given_signature == "0/KCTR6DLpKmkAf8muzZqo1nDgQ="
    )


def test_another_url_or_token_signs_differently() -> None:
    expected = twilio_signature("12345", URL, PARAMS.items())
    assert twilio_signature("12346", URL, PARAMS.items()) != expected
    assert twilio_signature("12345", URL + "&x=1", PARAMS.items()) != expected
