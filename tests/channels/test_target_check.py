"""Which contact and room URLs ``muster config check`` hands to Apprise to judge: every one but
muster's own plain ``outbox://`` URLs, which Apprise always takes (so the demo config is checked
without importing Apprise)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from muster.channels.target_check import OWN_URL, apprise_problem
from muster.channels.targets import fill_template


@settings(max_examples=300, deadline=None)
@given(st.from_regex(OWN_URL, fullmatch=True))
def test_apprise_takes_every_url_left_unjudged(url: str) -> None:
    assert apprise_problem(url) is None


@given(kind=st.sampled_from(["email", "sms", "chat", "room"]), address=st.text(min_size=1))
def test_an_outbox_template_filled_with_any_address_is_left_unjudged(
    kind: str, address: str
) -> None:
    """The demo config's templates (``outbox://KIND/{KIND}``) with any address: never loaded
    Apprise for."""
    url = fill_template(f"outbox://{kind}/{{{kind}}}", {kind: address})
    assert OWN_URL.fullmatch(url)


def test_an_outbox_url_of_another_shape_is_still_judged() -> None:
    """A space (which a template cannot make from an address) is Apprise's to judge."""
    assert OWN_URL.fullmatch("outbox://room/two words") is None
