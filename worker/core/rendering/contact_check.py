"""The words of a test page (``muster test-page``): clearly a test, never mistaken for a page.

People check their contact details before their first shift by sending themselves a test page
by each kind. It must never read as an incident: its title and first words say TEST and that
there is no incident, and it carries no link to act on. It says which kind reached them, when
(in the config's timezone) and who sent it: the sender's name is whatever ran the command, so
it goes through its format's rule in :mod:`muster.worker.core.rendering.escaping`, as do the
config's names.
"""

from __future__ import annotations

from datetime import datetime

from muster.worker.core.config.model import RoutingConfig
from muster.worker.core.rendering import escaping
from muster.worker.core.rendering.escaping import markdown, one_line, sms, text
from muster.worker.core.rendering.render import RenderedMessage

TEST_MARK = "TEST \u2014 no incident"
"""How every test page begins: no one may take it for a page."""
SMS_TEST_MARK = "TEST - no incident"  # the same in the SMS alphabet


def render_test_page(
    kind: str, config: RoutingConfig, person: str, sent_at: datetime, by: str | None
) -> RenderedMessage:
    """The test page to ``person`` through ``kind``, in that kind's style."""
    known = config.people.get(person)
    name = f"{known.name} ({person})" if known is not None else person
    when = f"{sent_at.astimezone(config.zone):%a %Y-%m-%d %H:%M} {config.zone}"
    if kind == "sms":
        sender = f", sent by {sms(one_line(by, 40))}" if by else ""
        body = f"{SMS_TEST_MARK}: muster test page by sms, {when}{sender}. Nothing to do."
        return RenderedMessage(title="", body=body, body_format="text")
    markup = kind != "email"
    rule = (lambda value: markdown(one_line(value))) if markup else text
    lines = [
        f"**{TEST_MARK}**" if markup else TEST_MARK,
        "",
        f"This is a test page from muster, to {rule(one_line(name))} by {rule(kind)}, {when}:"
        " there is no incident and nothing to do.",
        f"Sent by {rule(one_line(by))} with muster test-page."
        if by
        else "Sent with muster test-page.",
    ]
    return RenderedMessage(
        title=escaping.title(f"{TEST_MARK}: muster test page by {kind}", 200),
        body="\n".join(lines),
        body_format="markdown" if markup else "text",
    )
