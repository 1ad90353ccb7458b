"""What "inert" means for a reader, checked the way each format is read.

A message muster renders reaches a reader through an Apprise plugin in one of three formats:
plain text, markdown or HTML, with Apprise converting muster's body format to the plugin's, and
the title either converted with the body (plugins with no title field) or prepended raw by the
plugin (Rocket.Chat, Webex Teams, Misskey, GroupMe, LINE). :func:`assert_inert` checks every one
of those readings: no link but muster's own, no image, no raw HTML, no heading, no code block, no
chat mention, no bare address a chat would auto-link, and no control, bidi or invisible character.
Markdown is judged by a CommonMark parser (markdown-it-py), HTML by Python's HTML parser after
Apprise's own markdown-to-HTML conversion.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from html.parser import HTMLParser

from apprise import NotifyFormat
from apprise.conversion import convert_between
from apprise.plugins.slack import NotifySlack
from markdown_it import MarkdownIt

from muster.worker.core.rendering.render import RenderedMessage

FORMATS = ("text", "markdown", "html")
_APPRISE = {
    "text": NotifyFormat.TEXT,
    "markdown": NotifyFormat.MARKDOWN,
    "html": NotifyFormat.HTML,
}
# Every chat's mention syntax: Slack <!channel> <!here> <@U123> <#C1>, Discord/Mattermost/
# Matrix/Telegram @name (@here @everyone @channel @room @all), Teams <at>, and a mail address.
MENTION = re.compile(r"<[!@#]|<at\b|@\w", re.IGNORECASE)
# What Slack, Mattermost, Discord, Rocket.Chat and GFM turn into a link by themselves.
AUTOLINK = re.compile(r"://|www\.\w", re.IGNORECASE)
_ALLOWED_TAGS = {"p", "br", "b", "strong", "em", "code", "blockquote", "ul", "ol", "li", "a"}
_MARKDOWN = MarkdownIt("commonmark").enable(["table", "strikethrough"])


def invisible(text: str, lines: bool) -> list[str]:
    """The control, bidi and invisible characters in ``text`` (``\\n`` allowed when ``lines``)."""
    return [
        f"U+{ord(char):04X}"
        for char in text
        if not (lines and char == "\n")
        and (unicodedata.category(char) in {"Cc", "Cf", "Cs", "Co", "Zl", "Zp"})
    ]


def allowed_urls(urls: Iterable[str | None]) -> frozenset[str]:
    """muster's own link URLs, as written and as a CommonMark reader normalises them."""
    found = {url for url in urls if url}
    return frozenset(found | {_MARKDOWN.normalizeLink(url) for url in found})


def _without(text: str, allowed: Iterable[str]) -> str:
    for url in sorted(allowed, key=len, reverse=True):
        text = text.replace(url, " ")
    return text


def assert_plain_inert(text: str, allowed: frozenset[str], where: str) -> None:
    """Plain text: no mention, no producer address a reader's client would link."""
    rest = _without(text, allowed)
    assert not MENTION.search(rest), f"{where}: a mention survives: {rest!r}"
    assert not AUTOLINK.search(rest), f"{where}: an address survives: {rest!r}"


def assert_markdown_inert(
    text: str, allowed: frozenset[str], where: str, headings: int = 0, code: str = r"[\w.:-]+"
) -> None:
    """Markdown as a CommonMark reader sees it: only muster's links and headings, no image, raw
    HTML or code block; code spans hold only ids; text holds no mention or address."""
    seen_headings = 0
    for token in _MARKDOWN.parse(text):
        assert token.type not in {"html_block", "fence", "code_block"}, f"{where}: {token.type}"
        seen_headings += token.type == "heading_open"
        for child in token.children or []:
            assert child.type not in {"image", "html_inline"}, f"{where}: {child.type} in {text!r}"
            if child.type == "link_open":
                href = str(child.attrs.get("href", ""))
                assert href in allowed, f"{where}: a producer's link {href!r} in {text!r}"
            if child.type == "code_inline":
                assert re.fullmatch(code, child.content), f"{where}: code {child.content!r}"
            if child.type in {"text", "code_inline"}:
                assert_plain_inert(child.content, allowed, where)
    assert seen_headings <= headings, f"{where}: a producer's heading in {text!r}"


class _Html(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.data: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.data.append(data)


def assert_html_inert(text: str, allowed: frozenset[str], where: str) -> None:
    """HTML as a browser reads it: only simple formatting and muster's links; text inert."""
    parser = _Html()
    parser.feed(text)
    parser.close()
    for tag, attrs in parser.tags:
        assert tag in _ALLOWED_TAGS, f"{where}: <{tag}> in {text!r}"
        if tag == "a":
            assert attrs.get("href") in allowed, f"{where}: a producer's link in {text!r}"
    assert_plain_inert(" ".join(parser.data), allowed, where)


def assert_slack_inert(text: str, allowed: frozenset[str], where: str) -> None:
    """A markdown body as Apprise's Slack plugin rewrites it: after escaping ``& < >`` it turns
    ``!channel>``, ``@U123>`` and ``https://…>`` (brackets optional, ``&gt;`` accepted) into
    Slack's live ``<!channel>``, ``<@U123>`` and ``<url>``: none may be a producer's."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    for pattern in (NotifySlack._re_channel_support, NotifySlack._re_user_id_support):
        found = pattern.search(escaped)
        assert found is None, f"{where}: Slack would make {found.group(0)!r} live in {text!r}"
    for found in NotifySlack._re_url_support.finditer(escaped):
        url = found.group("url").replace("&amp;", "&")
        assert url in allowed, f"{where}: Slack would link {url!r} in {text!r}"


def assert_in_format(text: str, fmt: str, allowed: frozenset[str], where: str) -> None:
    """``text`` (already in ``fmt``) is inert as a reader of ``fmt`` reads it."""
    if fmt == "text":
        assert_plain_inert(text, allowed, where)
    elif fmt == "markdown":
        assert_markdown_inert(text, allowed, where)
    else:
        assert_html_inert(text, allowed, where)


def assert_inert(message: RenderedMessage, allowed: frozenset[str], where: str) -> None:
    """``message`` is inert in every format a plugin may take it in, title included: converted
    with the body, prepended raw to the body, or shown on its own."""
    assert not invisible(message.title, lines=False), f"{where}: title {message.title!r}"
    assert not invisible(message.body, lines=True), f"{where}: body {message.body!r}"
    source = _APPRISE[message.body_format]
    assert_plain_inert(message.title, allowed, f"{where} title")
    if message.body_format == "markdown":
        assert_slack_inert(f"{message.title}\r\n{message.body}", allowed, f"{where} on Slack")
    for fmt in FORMATS:
        body = convert_between(source, _APPRISE[fmt], content=message.body)
        converted = convert_between(source, _APPRISE[fmt], content=message.title)
        assert_in_format(body, fmt, allowed, f"{where} body as {fmt}")
        assert_in_format(f"{converted}\r\n{body}", fmt, allowed, f"{where} blended as {fmt}")
        raw = {
            "text": f"{message.title}\r\n{body}",
            "markdown": f"**{message.title}**\r\n{body}",
            "html": f"<b>{message.title}</b><br>{body}",
        }[fmt]
        assert_in_format(raw, fmt, allowed, f"{where} title prepended raw to {fmt}")
