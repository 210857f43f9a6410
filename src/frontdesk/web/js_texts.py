"""The texts the pages' scripts write (static/frontdesk/*.js), in the page's language: a
JSON data block in the page frame (web/_js_texts.html), which static/frontdesk/texts.js
reads. One catalogue for templates, Python and scripts, and no inline script (the CSP's
``script-src 'self'``): docs/decisions.md, "Texts of the scripts".

A text with a number has its plural forms by the CLDR category the browser's
``Intl.PluralRules`` answers (``one``, ``other``); placeholders are ``%(name)s``, as in the
catalogue."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django.utils.translation import get_language, gettext, ngettext


def _texts() -> dict[str, str]:
    """The texts without a number, in the active language."""
    return {
        "error": gettext("Error:"),
        # composer-limits.js
        "files_too_many_kept": gettext(
            "You can attach at most %(max)s files to a message; you chose %(chosen)s and %(kept)s "
            "are kept already."
        ),
        "files_too_many": gettext(
            "You can attach at most %(max)s files to a message; you chose %(chosen)s."
        ),
        "file_too_big": gettext(
            "%(name)s is %(size)s; a file can be at most %(max)s. Choose a smaller file."
        ),
        "file_empty": gettext("%(name)s is empty. Choose a file with something in it."),
        # notify.js
        "new_ticket": gettext("New ticket"),
        "new_reply": gettext("New reply"),
        "desktop_off": gettext("Turn off desktop notifications"),
        "desktop_on": gettext("Turn on desktop notifications"),
        "desktop_blocked": gettext(
            "This browser blocks notifications from Frontdesk: allow them in its site settings."
        ),
        "desktop_is_on": gettext("On in this browser."),
        "desktop_is_off": gettext("Off in this browser."),
        # replies.js
        "replies_none": gettext("No saved reply matches."),
        "replies_failed": gettext("The saved replies could not be loaded. Try again."),
        "reply_unreadable": gettext("The saved reply could not be read."),
        "reply_using": gettext("Using “%(name)s”."),
        "reply_using_does": gettext("Using “%(name)s”: sending it %(does)s."),
        "reply_link_inserted": gettext("Inserted a link to “%(title)s”."),
        "reply_inserted": gettext("Inserted “%(name)s”."),
        "reply_not_applied": gettext("The saved reply's changes will not be applied."),
        # session.js
        "session_title": gettext("Your session is about to end"),
        "session_text": gettext(
            "You will be signed out in %(time)s because nothing has happened for a while."
        ),
        "session_stay": gettext("Stay signed in"),
        # shortcuts.js, ticket.js
        "note_placeholder_short": gettext("Internal note: customers never see this"),
        "writing_note": gettext("Writing an internal note. Ctrl+Enter adds it."),
        "writing_reply": gettext("Writing a reply. Ctrl+Enter sends it."),
        "note_label": gettext("Internal note (customers never see this)"),
        "note_placeholder": gettext("Internal note: only agents see this"),
        "uploading": gettext("Uploading: %(percent)s"),
        # live.js
        "live_message_from": gettext("New message from %(name)s"),
        "live_updated": gettext("The ticket was updated"),
        "presence_replying": gettext("%(name)s is replying"),
        "presence_viewing": gettext("%(name)s is viewing"),
    }


def _texts_with(count: int) -> dict[str, str]:
    """The texts with a number, in the active language's form for ``count``."""
    return {
        "chars_left": ngettext(
            "You have %(count)s character left (limit %(max)s).",
            "You have %(count)s characters left (limit %(max)s).",
            count,
        ),
        "chars_over": ngettext(
            "You have %(count)s character too many (limit %(max)s).",
            "You have %(count)s characters too many (limit %(max)s).",
            count,
        ),
        "replies_found": ngettext(
            "%(count)s match found. Up and down to choose, Enter to insert.",
            "%(count)s matches found. Up and down to choose, Enter to insert.",
            count,
        ),
        "session_minutes": ngettext("%(count)s minute left.", "%(count)s minutes left.", count),
        "selected": ngettext("%(count)s ticket selected", "%(count)s tickets selected", count),
    }


@lru_cache(maxsize=8)  # one per language
def _for_language(language: str) -> dict[str, Any]:
    return {"texts": _texts(), "one": _texts_with(1), "other": _texts_with(2)}


def js_texts() -> dict[str, Any]:
    """Every script text in the page's language: ``texts``, and ``one``/``other`` for the
    texts with a number."""
    return _for_language(get_language() or "en")
