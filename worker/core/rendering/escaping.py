"""What a producer wrote, made inert for a reader: one rule per output format.

Anyone who can queue a message writes text that on-call people read live: titles, services,
milestone texts, labels, link names. None of it may act on the reader. Every renderer passes each
producer string through exactly one rule here, for the format it writes:

- :func:`text` (plain text), :func:`sms` (ASCII text), :func:`markdown`, :func:`html`: the
  body's formats. Markdown punctuation is backslash-escaped and HTML entity-escaped, so the
  words stay readable.
- :func:`title`: a title may reach a reader as an email subject, a separate field, or prepended
  raw to a markdown or HTML body (Rocket.Chat, Webex Teams, Misskey, GroupMe, LINE), so it must
  be inert in every format at once without backslashes: markup characters become look-alikes.

Each rule starts from :func:`neutral`, which every format shares: control, bidi and invisible
characters are dropped (by Unicode category, so none is forgotten), ``@`` becomes ``(at)`` (no
chat's mention syntax matches it, no Unicode normalisation or zero-width stripping revives it, and
it stays readable: ``(at)here``), ``<`` and ``>`` become ``‹`` ``›`` (no Slack ``<!channel>``,
Teams ``<at>`` or HTML tag), and ``://`` and ``www.`` are broken with look-alikes (``https∶//``,
``www∙``), so no chat auto-links a producer's address. Links are made only by muster's own link
lines, from :func:`safe_url` and :func:`markdown_link`.
"""

from __future__ import annotations

import functools
import html as _html
import re
import unicodedata
from urllib.parse import quote

# Cc: C0/C1 controls (ESC, CR, ...); Cf: format characters (bidi embeddings, overrides and
# isolates, U+061C, zero-width spaces and joiners, U+2060-2064, U+FEFF, U+00AD, tag characters
# U+E0000-E007F); Cs/Co: surrogates and private use, which no reader can read.
_DROPPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co"})
_LINE_BREAKS = frozenset({"\n", "\r", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85"})
_SPACES = re.compile(r"\s+")
_WWW = re.compile(r"(www)\.", re.IGNORECASE)
_ENTITY = re.compile(r"&(?=#?\w+;)")  # a markdown link's destination would decode it
_MARKDOWN = re.compile(r"([\\`*_~\[\]|#>])")
_URL_SAFE = ":/?#[]@!$&'*+,;=%-._~"

AT = "(at)"
"""What ``@`` becomes in producer text: never a mention in any chat."""

# Full-width and small forms too: Unicode compatibility normalisation (NFKC) turns them into
# ``@ < >``. The look-alikes chosen have no compatibility decomposition, so none turns back
# (but the title's ``＆``, which only matters in front of an entity of a raw HTML title).
NEUTRAL = str.maketrans(
    {
        "@": AT,
        "\uff20": AT,
        "\ufe6b": AT,
        "<": "\u2039",  # ‹
        "\uff1c": "\u2039",
        "\ufe64": "\u2039",
        ">": "\u203a",  # ›
        "\uff1e": "\u203a",
        "\ufe65": "\u203a",
    }
)
TITLE_LOOKALIKES = str.maketrans(
    {
        "[": "\u2045",  # ⁅
        "]": "\u2046",  # ⁆
        "*": "\u2217",  # ∗
        "_": "\u02cd",  # ˍ
        "`": "\u02cb",  # ˋ
        "~": "\u223c",  # ∼
        "|": "\u2223",  # ∣
        "#": "\u266f",  # ♯
        "\\": "\u2216",  # ∖
        "&": "\uff06",  # ＆
    }
)


def visible(text: str, keep_lines: bool = False) -> str:
    """``text`` without control, bidi, invisible or private characters; line breaks become
    spaces unless ``keep_lines`` (then they become ``\\n``).

    Printable ASCII, what nearly every title and name is, has none of them: it is returned as
    it is, without the look at each character (a fan-out renders each producer string once
    per page: that look was two fifths of rendering a page)."""
    if text.isascii() and text.isprintable():
        return text
    return _visible_by_character(text, keep_lines)


def _visible_by_character(text: str, keep_lines: bool) -> str:
    kept = []
    for char in text:
        if char in _LINE_BREAKS or char in "\u2028\u2029":
            kept.append("\n" if keep_lines else " ")
        elif char == "\t":
            kept.append(" ")
        elif unicodedata.category(char) not in _DROPPED_CATEGORIES:
            kept.append(char)
    return "".join(kept)


def one_line(text: str, limit: int | None = None) -> str:
    """Producer text as a single line: visible characters only, spaces collapsed, at most
    ``limit`` characters (cut with ``...``)."""
    if len(text) <= KEPT_UP_TO:
        return _one_line_kept(text, limit)
    return _one_line(text, limit)


def _one_line(text: str, limit: int | None) -> str:
    flat = _SPACES.sub(" ", visible(text)).strip()
    if limit is not None and len(flat) > limit:
        flat = flat[: max(limit - 3, 0)].rstrip() + "..."
    return flat


def plain_block(text: str) -> str:
    """Producer text as paragraphs: visible characters only, line breaks kept, spaces collapsed."""
    lines = (_SPACES.sub(" ", line).strip() for line in visible(text, keep_lines=True).split("\n"))
    return "\n".join(lines).strip()


def neutral(text: str) -> str:
    """The part of every rule: invisibles dropped, mentions, tags and auto-links broken."""
    if len(text) <= KEPT_UP_TO:
        return _neutral_kept(text)
    return _neutral(text)


def _neutral(text: str) -> str:
    text = visible(text, keep_lines=True).translate(NEUTRAL)
    return _WWW.sub("\\1\u2219", text.replace("://", "\u2236//"))


# A fan-out renders the same producer strings (title, services, names) once per page, dozens
# of times: the last few thousand short ones are kept, escaped, by the two rules every other
# starts from (at most a few MB; a long text is escaped each time).
KEPT_UP_TO = 512
_neutral_kept = functools.lru_cache(maxsize=2048)(_neutral)
_one_line_kept = functools.lru_cache(maxsize=2048)(_one_line)


def text(value: str) -> str:
    """Producer text for a plain-text body (Apprise escapes it again for markdown or HTML)."""
    return neutral(value)


def ascii_text(value: str) -> str:
    """Text reduced to ASCII so an SMS stays in the 160-character GSM encoding."""
    return unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode("ascii")


def sms(value: str) -> str:
    """Producer text for an SMS: plain ASCII, folded before and after :func:`neutral` (folding
    first turns a full-width ``＠`` into ``@`` so it is neutralised too)."""
    return ascii_text(neutral(ascii_text(value)))


def markdown(value: str) -> str:
    """Producer text inside a line of a markdown body (pass it through :func:`one_line` first:
    a line break would let it start blocks): markdown punctuation backslash-escaped, ``&`` as an
    entity (so no entity of the producer's is decoded into markup or an ``@``)."""
    return _MARKDOWN.sub(r"\\\1", neutral(value).replace("&", "&amp;"))


def html(value: str) -> str:
    """Producer text for an HTML body: entities escaped."""
    return _html.escape(neutral(value), quote=True)


def title(value: str, limit: int | None = None) -> str:
    """A title, inert as plain text, markdown or HTML alike: one line, markup as look-alikes."""
    return neutral(one_line(value, limit)).translate(TITLE_LOOKALIKES)


def code_span(value: str) -> str:
    """Producer text as a markdown code span (an incident id): inert, one line, no backtick."""
    return "`" + neutral(one_line(value)).replace("`", "\u02cb") + "`"


def safe_url(url: str) -> str | None:
    """``url`` if it is an http(s) URL, with characters that could break markup percent-encoded."""
    candidate = url.strip()
    if not re.match(r"^https?://[^\s/]", candidate, re.IGNORECASE):
        return None
    return _ENTITY.sub("%26", quote(candidate, safe=_URL_SAFE))


def markdown_link(name: str, url: str) -> str:
    """A markdown link of muster's own: ``url`` from :func:`safe_url` or the config, its name
    escaped."""
    return f"[{markdown(name)}]({url})"
