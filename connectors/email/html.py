"""HTML mail bodies: sanitised with ``nh3`` for display, flattened to text for the thread.

``nh3`` (the Ammonia sanitiser) decides what is safe: scripts, styles, event handlers,
``javascript:`` links and remote images (tracking pixels) never survive it. The text
the timeline shows is made from that sanitised HTML by the standard library's parser,
so a script's source can never reach the thread either. Quoted history
(``<blockquote>``) becomes ``> `` lines, which the reply parser then recognises.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import nh3

# What an agent may see of a customer's formatting: text structure, no media, no forms.
DISPLAY_TAGS = {
    "a", "b", "blockquote", "br", "code", "div", "em", "h1", "h2", "h3", "h4", "h5", "h6",
    "hr", "i", "li", "ol", "p", "pre", "s", "span", "strong", "sub", "sup", "table",
    "tbody", "td", "th", "thead", "tr", "u", "ul",
}  # fmt: skip
DISPLAY_ATTRIBUTES = {"a": {"href", "title"}, "td": {"colspan", "rowspan"}}
CONTENT_DROPPED = {"script", "style", "head", "title", "template", "noscript", "iframe", "object"}
MAX_DISPLAY_CHARS = 200_000

_BLOCKS = {
    "p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "blockquote",
    "pre", "table", "ul", "ol",
}  # fmt: skip
_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")
_BLANK_LINES = re.compile(r"\n{3,}")


def sanitize(html: str) -> str:
    """The HTML an agent's browser may render: structure and links (http, https,
    mailto) only, links opened with ``rel="noopener noreferrer"``."""
    return nh3.clean(
        html[: MAX_DISPLAY_CHARS * 2],
        tags=DISPLAY_TAGS,
        clean_content_tags=CONTENT_DROPPED,
        attributes=DISPLAY_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
    )[:MAX_DISPLAY_CHARS]


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = [""]
        self.quote_depth = 0
        self.in_pre = 0

    def _newline(self) -> None:
        if self.lines[-1].strip(">").strip() or len(self.lines) == 1:
            self.lines.append("")
        self.lines[-1] = "> " * self.quote_depth if not self.lines[-1].strip(" >") else ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "blockquote":
            self.quote_depth += 1
        if tag == "pre":
            self.in_pre += 1
        if tag == "li":
            self._newline()
            self.lines[-1] += "- "
        elif tag in _BLOCKS:
            self._newline()

    def handle_endtag(self, tag: str) -> None:
        if tag == "blockquote":
            self.quote_depth = max(0, self.quote_depth - 1)
        if tag == "pre":
            self.in_pre = max(0, self.in_pre - 1)
        if tag in _BLOCKS:
            self._newline()

    def handle_data(self, data: str) -> None:
        if self.in_pre:
            first, *rest = data.split("\n")
            self.lines[-1] += first
            prefix = "> " * self.quote_depth
            self.lines.extend(prefix + line for line in rest)
            return
        text = _SPACES.sub(" ", data.replace("\n", " "))
        if not self.lines[-1].strip(" >"):
            text = text.lstrip()
            self.lines[-1] = "> " * self.quote_depth
        self.lines[-1] += text


def html_to_text(html: str) -> str:
    """Plain text of an HTML body, made from its sanitised form (never a script's
    source): paragraphs on their own lines, list items as ``- ``, quotes as ``> ``."""
    parser = _Text()
    parser.feed(sanitize(html))
    parser.close()
    text = "\n".join(line.rstrip() for line in parser.lines)
    return _BLANK_LINES.sub("\n\n", text).strip()
