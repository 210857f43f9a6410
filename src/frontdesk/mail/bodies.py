"""A mail's words and files: the text a message shows, and the parts that become attachments.

The desk shows messages as plain text. A mail's ``text/plain`` part is preferred; a mail with
HTML only is sanitised (nh3) and turned into readable text: paragraphs and line breaks kept,
links written out, scripts and styles gone. Quoted history and signatures stay in the text
(nothing a customer wrote is dropped); :func:`fold_start` says where they begin so the page can
fold them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.message import EmailMessage, Message
from html.parser import HTMLParser

from frontdesk.core.text import with_unix_line_breaks

FALLBACK_CHARSETS = ("utf-8", "cp1252", "latin-1")
# Text kept from the HTML for conversion: structure and links, nothing that runs or styles.
_HTML_TAGS = {
    "a", "b", "blockquote", "br", "code", "div", "em", "h1", "h2", "h3", "h4", "h5", "h6",
    "hr", "i", "li", "ol", "p", "pre", "span", "strong", "table", "td", "th", "tr", "u", "ul",
}  # fmt: skip
_BLOCKS = {
    "p", "div", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ol", "ul", "pre",
    "table", "tr", "hr",
}  # fmt: skip
# C0 controls but tab and line breaks, DEL, lone surrogates: what a message cannot store.
_UNSTORABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_BLANK_LINES = re.compile(r"\n{3,}")


# --- text ---------------------------------------------------------------------------------


def part_text(part: Message) -> str:
    """A text part's content as ``str``: in its declared charset when that works, else UTF-8,
    else Windows-1252, else Latin-1 (which reads any byte)."""
    try:
        payload = part.get_payload(decode=True)
    except Exception:  # a broken transfer encoding reads as its raw text
        payload = None
    if not isinstance(payload, bytes):
        raw = part.get_payload()
        return raw if isinstance(raw, str) else ""
    declared = part.get_content_charset() or ""
    for charset in (declared, *FALLBACK_CHARSETS) if declared else FALLBACK_CHARSETS:
        try:
            return payload.decode(charset)
        except (LookupError, UnicodeDecodeError):
            continue
    return payload.decode("latin-1")  # pragma: no cover (latin-1 reads any byte)


def storable(text: str) -> str:
    """Line breaks as ``\\n``, without the characters a message cannot store, no trailing
    spaces on lines, at most two blank lines in a row."""
    text = _UNSTORABLE.sub("", with_unix_line_breaks(text).replace("\x0c", "\n"))
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    return _BLANK_LINES.sub("\n\n", text).strip("\n")


class _TextFromHtml(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.links: list[str | None] = []
        self.in_pre = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.out.append("\n")
        elif tag in _BLOCKS:
            self.out.append(
                "\n\n" if tag in {"p", "blockquote", "table", "h1", "h2", "h3"} else "\n"
            )
            if tag == "li":
                self.out.append("- ")
            if tag == "hr":
                self.out.append("----\n")
            if tag == "pre":
                self.in_pre += 1
        elif tag in {"td", "th"}:
            self.out.append("  ")
        if tag == "a":
            self.links.append(dict(attrs).get("href"))

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self.links:
            href = self.links.pop()
            if href and href.startswith(("http://", "https://", "mailto:")):
                shown = href.removeprefix("mailto:")
                if shown not in "".join(self.out[-3:]):
                    self.out.append(f" ({shown})")
        elif tag in _BLOCKS - {"li"}:
            self.out.append("\n")
            if tag == "pre":
                self.in_pre = max(0, self.in_pre - 1)

    def handle_data(self, data: str) -> None:
        self.out.append(data if self.in_pre else re.sub(r"[ \t\r\n]+", " ", data))


def html_to_text(html: str) -> str:
    """Readable text from HTML, sanitised first: scripts, styles and their content never
    reach the text."""
    import nh3  # here, not at import: only HTML-only mail needs it, and web processes rarely

    clean = nh3.clean(html, tags=_HTML_TAGS, attributes={"a": {"href"}}, link_rel=None)
    parser = _TextFromHtml()
    parser.feed(clean)
    parser.close()
    lines = [line.strip() for line in "".join(parser.out).split("\n")]
    return storable("\n".join(lines))


# --- the parts ----------------------------------------------------------------------------


@dataclass(frozen=True)
class FilePart:
    name: str
    content: bytes
    content_type: str
    inline: bool  # an image the HTML showed in place (Content-ID)


def body_and_files(message: EmailMessage) -> tuple[str, list[FilePart], bool]:
    """The text for the message, the files, and whether the text came from HTML.

    ``text/plain`` wins over ``text/html`` (the first of each that is not an attachment);
    everything that is not the body and not a container is a file: attachments, inline images,
    a forwarded mail (as ``.eml``). Delivery reports' machine parts are left out."""
    plain: str | None = None
    html: str | None = None
    files: list[FilePart] = []
    for index, part in enumerate(_leaves(message)):
        kind = part.get_content_type()
        disposition = (part.get_content_disposition() or "").lower()
        if kind in {"message/delivery-status", "message/disposition-notification"}:
            continue
        if (
            kind in {"text/plain", "text/html"}
            and disposition != "attachment"
            and not _has_filename(part)
        ):
            text = part_text(part)
            if kind == "text/plain":
                # A second text part is more of the body (Apple Mail puts one after an inline
                # picture; a list appends its footer as one).
                plain = text if plain is None else f"{plain}\n\n{text}"
                continue
            if html is None:
                html = text
                continue
        files.append(_file(part, index))
    if plain is not None and plain.strip():
        return storable(plain), files, False
    if html is not None:
        return html_to_text(html), files, True
    return storable(plain or ""), files, False


def _has_filename(part: Message) -> bool:
    try:
        return bool(part.get_filename())
    except Exception:  # a name the policy cannot decode is no name
        return False


def _leaves(message: Message) -> list[Message]:
    """Every part that is not a container, in order; a forwarded mail (``message/rfc822``) is
    one part, kept whole."""
    if message.is_multipart():
        try:
            children = message.get_payload()
        except Exception:  # a malformed multipart has no parts to read
            return []
        if not isinstance(children, list):
            return []
        found: list[Message] = []
        for child in children:
            if isinstance(child, Message):
                found += [child] if child.get_content_type() == "message/rfc822" else _leaves(child)
        return found
    return [message]


def _file(part: Message, index: int) -> FilePart:
    kind = part.get_content_type()
    try:
        name = part.get_filename() or ""
    except Exception:  # a name the policy cannot decode is no name
        name = ""
    if kind == "message/rfc822":
        inner = part.get_payload()
        first = inner[0] if isinstance(inner, list) and inner else None
        try:
            content = first.as_bytes() if isinstance(first, Message) else b""
        except Exception:  # a forwarded mail the policy cannot write back
            content = str(first).encode("utf-8", "replace")
        return FilePart(name or "forwarded.eml", content, kind, inline=False)
    try:
        payload = part.get_payload(decode=True)
    except Exception:  # a broken transfer encoding reads as its raw text
        payload = None
    content = payload if isinstance(payload, bytes) else str(part.get_payload()).encode()
    inline = bool(part.get("Content-ID")) and part.get_content_maintype() == "image"
    if not name:
        extension = {"text/plain": ".txt", "text/html": ".html"}.get(kind, "")
        if part.get_content_maintype() == "image":
            extension = "." + part.get_content_subtype()
        name = f"{'image' if inline else 'part'}-{index + 1}{extension}"
    return FilePart(name, content, kind, inline=inline)


# --- where the quoted history and signature start ----------------------------------------

_ATTRIBUTION = re.compile(
    r"^(On\b.{0,300}\bwrote:|Am\b.{0,300}\bschrieb\b.{0,300}:|Le\b.{0,300}\ba écrit\s*:"
    r"|El\b.{0,300}\bescribió:|Op\b.{0,300}\bschreef\b.{0,300}:)$",
    re.IGNORECASE | re.DOTALL,
)
_ORIGINAL = re.compile(
    r"^\s*-{2,}\s*(Original Message|Ursprüngliche Nachricht|Forwarded message|Message d'origine)"
    r"\s*-{2,}\s*$",
    re.IGNORECASE,
)
_OUTLOOK_FROM = re.compile(r"^\*?(From|Von|De):\*?\s", re.IGNORECASE)
_OUTLOOK_NEXT = re.compile(r"^\*?(Sent|Date|Gesendet|Envoyé|To|An):\*?\s", re.IGNORECASE)
SIGNATURE = "-- "


def fold_start(text: str) -> int | None:
    """Where the quoted history or the signature of a mail's text begins (a character
    offset), or None when there is nothing to fold. Never 0: a text that is all quote is
    shown as it is."""
    lines = text.split("\n")
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line) + 1)
    start = _marker_line(lines)
    trailing = _trailing_quote(lines)
    candidates = [line for line in (start, trailing) if line is not None]
    if not candidates:
        return None
    first = min(candidates)
    if not "".join(lines[:first]).strip():
        return None
    return offsets[first]


def _marker_line(lines: list[str]) -> int | None:
    for number, line in enumerate(lines):
        stripped = line.strip()
        if line == SIGNATURE or line == "--":
            return number
        if _ORIGINAL.match(line):
            return number
        if _OUTLOOK_FROM.match(stripped) and any(
            _OUTLOOK_NEXT.match(after.strip()) for after in lines[number + 1 : number + 4]
        ):
            return number
        if stripped[:3].lower() in {"on ", "am ", "le ", "el ", "op "}:
            # An attribution line may be wrapped over two or three lines.
            for span in (1, 2, 3):
                joined = " ".join(part.strip() for part in lines[number : number + span])
                if _ATTRIBUTION.match(joined):
                    return number
    return None


def _trailing_quote(lines: list[str]) -> int | None:
    """The first line of the quoted block (``>`` lines, blank lines between them) that runs
    to the end of the text."""
    start = None
    for number in range(len(lines) - 1, -1, -1):
        stripped = lines[number].strip()
        if stripped.startswith(">"):
            start = number
        elif stripped:
            break
    return start
