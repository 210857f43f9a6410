"""Articles are written in Markdown and shown as HTML: rendered on the server by markdown-it-py
(CommonMark, raw HTML off, tables and strikethrough on) and then sanitised by nh3 against a
list of tags and attributes, so no script, event handler or ``javascript:`` link reaches a
reader whatever an author types. Links get rel="noopener noreferrer nofollow". No style
attribute (a table's column alignment is dropped) and no image: the desk's
Content-Security-Policy allows neither inline styles nor images from elsewhere."""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt

_PARSER = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
_PARSER.enable(["table", "strikethrough"])

TAGS = frozenset(
    {
        "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "s", "del",
        "code", "pre", "blockquote", "ul", "ol", "li", "a",
        "table", "thead", "tbody", "tr", "th", "td",
    }
)  # fmt: skip
ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "noopener noreferrer nofollow"


def markdown_to_html(text: str) -> str:
    """Safe HTML for ``text``: what the reader's page shows as it is."""
    html = _PARSER.render(text)
    return nh3.clean(
        html,
        tags=set(TAGS),
        attributes={tag: set(names) for tag, names in ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel=LINK_REL,
    )
