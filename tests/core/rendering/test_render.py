"""What a paged person reads: one clear message per kind, with the links to act on, and nothing
a producer sent can turn into markup or a mention."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import yaml

from muster.config.loader import LoadedConfig
from muster.worker.core.intake.reply_codes import reply_code
from muster.worker.core.paging.incident import Incident
from muster.worker.core.paging.plan import PagePlan, PlannedPage, build_page_plan
from muster.worker.core.paging.routing import Routing
from muster.worker.core.rendering.escaping import markdown, safe_url
from muster.worker.core.rendering.render import (
    SMS_SEGMENT,
    render_chat,
    render_email,
    render_page,
    render_sms,
)
from tests.harness.configs import EXAMPLE, EXAMPLE_ENV, WEDNESDAY_NOON

INCIDENT = Incident(
    id="inc-42",
    title="Payments API returning 500s",
    impact="critical",
    urgency="high",
    services=("payments-api", "mystery-svc"),
    summary="Checkout fails for ~30% of EU customers since 11:52.",
    source="alertmanager",
    customer_reports=["ZD-1001", "ZD-1002"],
    links={"dashboard": "https://grafana.test/d/x", "conference": "https://meet.test/inc-42"},
    labels={"region": "eu-west-1"},
)


def plan_for(routing: Routing, incident: Incident = INCIDENT) -> PagePlan:
    return build_page_plan(routing, incident, WEDNESDAY_NOON)


def page(plan: PagePlan, person: str) -> PlannedPage:
    found = plan.page_for(person)
    assert found is not None
    return found


class TestSms:
    def test_fits_one_segment_with_severity_id_title_role_and_one_link(
        self, example: Routing
    ) -> None:
        """The SMS carries severity, id, title, role and the conference link, in 160 characters."""
        plan = plan_for(example)
        body = render_sms(example, INCIDENT, plan, page(plan, "bob")).body
        assert body == (
            "SEV1 inc-42: Payments API returning 500s | you: Incident commander "
            "https://meet.test/inc-42"
        )
        assert len(body) <= SMS_SEGMENT

    def test_with_sms_replies_on_it_carries_the_reply_code(
        self, load_yaml: Callable[..., LoadedConfig]
    ) -> None:
        """``intake.sms_replies``: texting the code back acknowledges (POST /v1/replies/sms)."""
        document = yaml.safe_load(EXAMPLE.read_text())
        document["intake"]["sms_replies"] = True
        routing = load_yaml(document, EXAMPLE_ENV).routing
        plan = plan_for(routing)
        body = render_sms(routing, INCIDENT, plan, page(plan, "bob")).body
        assert f" | reply {reply_code('inc-42')} to ack " in body
        assert len(body) <= SMS_SEGMENT

    def test_without_conference_an_sme_gets_their_runbook(self, example: Routing) -> None:
        """With no conference link, an SME's one link is the runbook of their service."""
        incident = Incident(
            id="inc-1", title="t", impact="critical", urgency="high", services=("payments-api",)
        )
        plan = plan_for(example, incident)
        body = render_sms(example, incident, plan, page(plan, "heidi")).body
        assert body.endswith("https://runbooks.example.com/payments-api")

    def test_long_title_is_shortened_to_stay_in_one_segment(self, example: Routing) -> None:
        """A 200-character title is cut with '...' so the link still fits."""
        incident = Incident(
            id="inc-1", title="x" * 200, impact="critical", urgency="high", services=("search",)
        )
        plan = plan_for(example, incident)
        body = render_sms(example, incident, plan, page(plan, "bob")).body
        assert len(body) <= SMS_SEGMENT
        assert "..." in body
        assert body.endswith("https://runbooks.example.com/search")

    def test_is_plain_ascii(self, example: Routing) -> None:
        """Accents are dropped so the SMS stays in the GSM alphabet's 160 characters."""
        incident = Incident(
            id="inc-1",
            title="Café façade ✨ down",
            impact="critical",
            urgency="high",
            services=("search",),
        )
        plan = plan_for(example, incident)
        body = render_sms(example, incident, plan, page(plan, "bob")).body
        assert body.isascii()
        assert "Cafe facade" in body


class TestEmail:
    def test_subject_says_what_and_why_you(self, example: Routing) -> None:
        """The subject names severity, title, id and the role the reader is paged for."""
        plan = plan_for(example)
        subject = render_email(example, INCIDENT, plan, page(plan, "heidi")).title
        assert subject == "[SEV1] Payments API returning 500s (inc-42) - paged as SME payments-api"

    def test_body_has_every_fact_needed_to_act(self, example: Routing) -> None:
        """Impact, urgency, services, roles and holders, runbooks, dashboards, links, reports."""
        plan = plan_for(example)
        body = render_email(example, INCIDENT, plan, page(plan, "bob")).body
        for fact in [
            "Impact: critical",
            "Customer urgency: high",
            "mystery-svc (unknown, routed to platform)",
            "Incident commander: Bob Okafor",
            "Support lead: Dmitri Ivanov",
            "Scribe: Frank Li",
            "SME payments-api: Heidi Berg",
            "Runbook: https://runbooks.example.com/payments-api",
            "Dashboard 1: https://grafana.example.com/d/payments",
            "conference: https://meet.test/inc-42",
            "- ZD-1001",
            "Checkout fails for ~30% of EU customers",
            "region=eu-west-1",
            "Declared by: alertmanager",
        ]:
            assert fact in body


class TestChat:
    def test_compact_markdown_with_the_same_facts(self, example: Routing) -> None:
        """Chat gets a bold headline, roles, runbook and dashboard links, and the summary."""
        plan = plan_for(example)
        message = render_chat(example, INCIDENT, plan, page(plan, "bob"))
        assert message.body_format == "markdown"
        assert message.body.startswith("**[SEV1] Payments API returning 500s** (`inc-42`)")
        assert "[runbook](https://runbooks.example.com/payments-api)" in message.body
        assert "[conference](https://meet.test/inc-42)" in message.body
        assert "Incident commander Bob Okafor" in message.body

    @pytest.mark.parametrize("kind", ["chat", "teams", "matrix"])
    def test_every_non_sms_non_email_kind_uses_the_chat_style(
        self, example: Routing, kind: str
    ) -> None:
        """No chat system is special: any other contact kind renders as chat markdown."""
        plan = plan_for(example)
        assert render_page(kind, example, INCIDENT, plan, plan.pages[0]).body_format == "markdown"


class TestUntrustedText:
    HOSTILE = Incident(
        id="inc-1",
        title="<!channel> @here <script>alert(1)</script> [click](https://evil.test) *x*",
        impact="critical",
        urgency="high",
        services=("search",),
        summary="@everyone\u202e reversed \x1b[31m red",
        links={"evil": "javascript:alert(1)", "ok": "https://ok.test/a b)"},
    )

    def test_chat_defuses_mentions_html_and_markdown(self, example: Routing) -> None:
        """No @here, <!channel>, raw HTML or producer-made link survives into chat markdown."""
        plan = plan_for(example, self.HOSTILE)
        body = render_chat(example, self.HOSTILE, plan, plan.pages[0]).body
        title = render_chat(example, self.HOSTILE, plan, plan.pages[0]).title
        for text in (body, title):
            assert "<" not in text
            assert "@here" not in text
            assert "@everyone" not in text
        assert "[click](https://evil.test)" not in body
        assert "\\[click\\]" in body
        assert "javascript:" not in body
        assert "\u202e" not in body
        assert "\x1b" not in body

    def test_only_http_links_become_links_and_are_percent_encoded(self) -> None:
        """Other schemes are dropped; characters that could close a markdown link are encoded."""
        assert safe_url("javascript:alert(1)") is None
        assert safe_url("https://ok.test/a b)") == "https://ok.test/a%20b%29"

    def test_markdown_breaks_every_mention_visibly(self) -> None:
        """An @ becomes ``(at)``: no chat resolves it, and no stripping of invisible characters
        or Unicode normalisation can bring the mention back."""
        assert markdown("@here") == "(at)here"

    def test_email_and_sms_carry_no_control_characters(self, example: Routing) -> None:
        """Terminal escapes and bidi overrides are stripped from plain-text kinds too."""
        plan = plan_for(example, self.HOSTILE)
        for message in (
            render_email(example, self.HOSTILE, plan, plan.pages[0]),
            render_sms(example, self.HOSTILE, plan, plan.pages[0]),
        ):
            assert "\x1b" not in message.body
            assert "\u202e" not in message.body
            assert "\n" not in message.title
