"""Articles are written in Markdown and shown as HTML: rendered on the server by markdown-it-py
(CommonMark, raw HTML off, tables and strikethrough on) and then sanitised by nh3 against a
list of tags and attributes, so no script, event handler or ``javascript:`` link reaches a
reader whatever an author types. Links get rel="noopener noreferrer nofollow". No style
attribute (a table's column alignment is dropped): the desk's Content-Security-Policy allows
no inline styles. Images only from the knowledge base's own image addresses
(``/kb/images/<id>``, kb/models.py's ArticleImage): the policy allows no image from
elsewhere, so any other image is shown as its alternative text."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

# The only image addresses an article may hold: the desk's own, relative.
IMAGE_SRC = re.compile(r"^/kb/images/[1-9][0-9]{0,17}$")

TAGS = frozenset(
    {
        "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "s", "del",
        "code", "pre", "blockquote", "ul", "ol", "li", "a",
        "table", "thead", "tbody", "tr", "th", "td", "img",
    }
)  # fmt: skip
ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "img": {"src", "alt", "title"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "noopener noreferrer nofollow"


def _image(self: Any, tokens: Sequence[Token], index: int, options: Any, env: Any) -> str:
    """An image of the knowledge base's own as ``<img>``; any other as its alternative text."""
    token = tokens[index]
    if IMAGE_SRC.match(str(token.attrGet("src") or "")):
        return str(self.image(tokens, index, options, env))
    return str(self.renderInlineAsText(token.children or [], options, env))


@cache
def _parser() -> MarkdownIt:
    # Built on first use: markdown-it-py is ~70 modules a web process needs only for articles.
    from markdown_it import MarkdownIt

    parser = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    parser.enable(["table", "strikethrough"])
    parser.add_render_rule("image", _image)
    return parser


def _only_own_images(tag: str, attribute: str, value: str) -> str | None:
    """nh3's last word: an ``img`` keeps a ``src`` only if it is one of the desk's images."""
    if tag == "img" and attribute == "src" and not IMAGE_SRC.match(value):
        return None
    return value


def markdown_to_html(text: str) -> str:
    """Safe HTML for ``text``: what the reader's page shows as it is."""
    import nh3  # here, not at import: most requests render no article

    html = _parser().render(text)
    return nh3.clean(
        html,
        tags=set(TAGS),
        attributes={tag: set(names) for tag, names in ATTRIBUTES.items()},
        attribute_filter=_only_own_images,
        url_schemes=set(URL_SCHEMES),
        link_rel=LINK_REL,
    )
