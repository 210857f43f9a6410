"""Models' and fields' names and choices in the reader's language (the admin site and Django's
own messages read them), with no migration.

A field's ``verbose_name``, ``help_text`` and ``choices`` are part of its migration state, so
giving each of a few hundred fields an explicit ``verbose_name=_("…")`` would write an
AlterField for every one. Instead, once every model is loaded, ``model_texts_translate``
swaps each Frontdesk model's names (as declared, or made by Django from the attribute's
name), help texts and choice labels for lazy translations of the same English. Migrations
compare what a field was declared with (``_verbose_name``), or texts that are equal, so they
see no change. The enums keep their English labels: stored lines and the APIs use those.

A text a model declares with ``gettext_lazy`` is left as it is. The others are translated
in the context ``"model"``: a bare word such as "Closed" or "tags" already means something
else elsewhere in the catalogue ("Closed" as a column of dates). Names Django makes from an
attribute (``created_at`` → "created at") are in no source file for ``makemessages`` to
find, and the enums' labels are not marked in that context, so both are listed in
``MODEL_TEXTS``; tests/i18n/test_admin.py fails while a model in the admin has a name or a
choice that the catalogue does not know.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.apps import apps
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import pgettext_lazy

CONTEXT = "model"

# The texts wrapped here, in English (tests/i18n/test_admin.py checks the catalogue has each).
WRAPPED: set[str] = set()


def _lazy(text: object) -> object:
    if not text or isinstance(text, Promise):  # nothing, or the model's own gettext_lazy
        return text
    WRAPPED.add(str(text))
    return pgettext_lazy(CONTEXT, str(text))


def _field_translate(field: Any) -> None:
    field.verbose_name = _lazy(field.verbose_name)
    field.help_text = _lazy(field.help_text)
    choices = list(field.choices or ())
    # Flat choices only: a grouped list keeps its English.
    if choices and all(isinstance(label, str) for _value, label in choices):
        field.choices = [(value, _lazy(label)) for value, label in choices]


def choices_said(choices: Iterable[tuple[str, str]]) -> list[tuple[str, Any]]:
    """An enum's choices for a form of the admin, in the reader's language."""
    return [(value, pgettext_lazy(CONTEXT, label)) for value, label in choices]


def model_texts_translate() -> None:
    """Called once from CoreConfig.ready, after every model is loaded."""
    for model in apps.get_models():
        if not model.__module__.startswith("frontdesk."):
            continue
        options = model._meta
        options.verbose_name = _lazy(options.verbose_name)  # type: ignore[assignment]
        if "verbose_name_plural" not in options.original_attrs:
            # Django's "{verbose_name}s", made in English: "SLA alerts", never "alerta de SLAs".
            with translation.override(None):
                plural = str(options.verbose_name_plural)
            options.verbose_name_plural = _lazy(plural)  # type: ignore[assignment]
        else:
            options.verbose_name_plural = _lazy(options.verbose_name_plural)  # type: ignore[assignment]
        for field in (*options.local_fields, *options.local_many_to_many):
            _field_translate(field)


# The names and choices of the models in the admin, for makemessages (which reads only a
# literal context, not CONTEXT).
MODEL_TEXTS = (
    pgettext_lazy("model", "A public reply is posted"),
    pgettext_lazy("model", "A ticket is created"),
    pgettext_lazy("model", "API"),
    pgettext_lazy("model", "Account"),
    pgettext_lazy("model", "Actual hours"),
    pgettext_lazy("model", "Admin"),
    pgettext_lazy("model", "Agent"),
    pgettext_lazy("model", "An SLA target is missed"),
    pgettext_lazy("model", "An SLA target nears"),
    pgettext_lazy("model", "An internal note is written"),
    pgettext_lazy("model", "Anonymised"),
    pgettext_lazy("model", "Article created"),
    pgettext_lazy("model", "Article details changed"),
    pgettext_lazy("model", "Assignee"),
    pgettext_lazy("model", "Attachment"),
    pgettext_lazy("model", "Being sent"),
    pgettext_lazy("model", "Billing"),
    pgettext_lazy("model", "Blue"),
    pgettext_lazy("model", "Breach"),
    pgettext_lazy("model", "Bug"),
    pgettext_lazy("model", "CC"),
    pgettext_lazy("model", "Category changed"),
    pgettext_lazy("model", "Category created"),
    pgettext_lazy("model", "Category deleted"),
    pgettext_lazy("model", "Category"),
    pgettext_lazy("model", "Checkbox"),
    pgettext_lazy("model", "Closed"),
    pgettext_lazy("model", "Comment"),
    pgettext_lazy("model", "Created"),
    pgettext_lazy("model", "Critical"),
    pgettext_lazy("model", "Custom field"),
    pgettext_lazy("model", "Customer"),
    pgettext_lazy("model", "Data exported"),
    pgettext_lazy("model", "Date"),
    pgettext_lazy("model", "Deleted"),
    pgettext_lazy("model", "Delivered"),
    pgettext_lazy("model", "Draft saved"),
    pgettext_lazy("model", "Due date"),
    pgettext_lazy("model", "Email"),
    pgettext_lazy("model", "Ended from another device"),
    pgettext_lazy("model", "Estimated hours"),
    pgettext_lazy("model", "Every older token ended (token version bumped)"),
    pgettext_lazy("model", "Expired (inactivity)"),
    pgettext_lazy("model", "Failed (given up)"),
    pgettext_lazy("model", "Failed sign-in"),
    pgettext_lazy("model", "Failed"),
    pgettext_lazy("model", "Feature request"),
    pgettext_lazy("model", "First response"),
    pgettext_lazy("model", "Followers"),
    pgettext_lazy("model", "General"),
    pgettext_lazy("model", "Green"),
    pgettext_lazy("model", "Held for an agent"),
    pgettext_lazy("model", "High"),
    pgettext_lazy("model", "ID"),
    pgettext_lazy("model", "Ignored"),
    pgettext_lazy("model", "Image added"),
    pgettext_lazy("model", "Image removed"),
    pgettext_lazy("model", "Imported"),
    pgettext_lazy("model", "In progress"),
    pgettext_lazy("model", "Internal (staff only)"),
    pgettext_lazy("model", "Internal note"),
    pgettext_lazy("model", "JSON (signed, every field)"),
    pgettext_lazy("model", "Least loaded"),
    pgettext_lazy("model", "Linked tickets"),
    pgettext_lazy("model", "Low"),
    pgettext_lazy("model", "Medium"),
    pgettext_lazy("model", "Merged"),
    pgettext_lazy("model", "Multiple choice"),
    pgettext_lazy("model", "New"),
    pgettext_lazy("model", "Next response"),
    pgettext_lazy("model", "Nobody: agents claim tickets"),
    pgettext_lazy("model", "Not sent"),
    pgettext_lazy("model", "Number"),
    pgettext_lazy("model", "Open the next ticket of the list I came from"),
    pgettext_lazy("model", "Open"),
    pgettext_lazy("model", "Other"),
    pgettext_lazy("model", "Password reset requested"),
    pgettext_lazy("model", "Password reset used"),
    pgettext_lazy("model", "Pending"),
    pgettext_lazy("model", "Priority"),
    pgettext_lazy("model", "Product"),
    pgettext_lazy("model", "Public reply"),
    pgettext_lazy("model", "Public"),
    pgettext_lazy("model", "Published"),
    pgettext_lazy("model", "Purple"),
    pgettext_lazy("model", "Quarantined"),
    pgettext_lazy("model", "Read and write"),
    pgettext_lazy("model", "Read only"),
    pgettext_lazy("model", "Received, not yet handled"),
    pgettext_lazy("model", "Recovery code used"),
    pgettext_lazy("model", "Red"),
    pgettext_lazy("model", "Reopened"),
    pgettext_lazy("model", "Resolution shown to the customer"),
    pgettext_lazy("model", "Resolution"),
    pgettext_lazy("model", "Resolved"),
    pgettext_lazy("model", "Retention policy applied"),
    pgettext_lazy("model", "Round-robin"),
    pgettext_lazy("model", "SLA alerts"),
    pgettext_lazy("model", "Satisfaction"),
    pgettext_lazy("model", "Sent"),
    pgettext_lazy("model", "Signed in"),
    pgettext_lazy("model", "Signed out"),
    pgettext_lazy("model", "Single choice"),
    pgettext_lazy("model", 'Slack-compatible incoming webhook ({"text": ...})'),
    pgettext_lazy("model", "Split"),
    pgettext_lazy("model", "Status"),
    pgettext_lazy("model", "Stay on the ticket"),
    pgettext_lazy("model", "System message"),
    pgettext_lazy("model", "System"),
    pgettext_lazy("model", "Tags"),
    pgettext_lazy("model", "Team"),
    pgettext_lazy("model", "Technical"),
    pgettext_lazy("model", "Text"),
    pgettext_lazy("model", "The assignee changes"),
    pgettext_lazy("model", "The priority changes"),
    pgettext_lazy("model", "The status changes"),
    pgettext_lazy("model", "Time logged"),
    pgettext_lazy("model", "Title"),
    pgettext_lazy("model", "Two-factor turned off"),
    pgettext_lazy("model", "Two-factor turned on"),
    pgettext_lazy("model", "Unpublished"),
    pgettext_lazy("model", "Urgent"),
    pgettext_lazy("model", "Version restored"),
    pgettext_lazy("model", "Waiting to be sent"),
    pgettext_lazy("model", "Warning"),
    pgettext_lazy("model", "Web"),
    pgettext_lazy("model", "Wrong current password"),
    pgettext_lazy("model", "Wrong two-factor code"),
    pgettext_lazy("model", "action"),
    pgettext_lazy("model", "active"),
    pgettext_lazy("model", "actor"),
    pgettext_lazy("model", "actual hours"),
    pgettext_lazy("model", "after send"),
    pgettext_lazy("model", "alt"),
    pgettext_lazy("model", "api token"),
    pgettext_lazy("model", "api tokens"),
    pgettext_lazy("model", "article image"),
    pgettext_lazy("model", "article images"),
    pgettext_lazy("model", "article"),
    pgettext_lazy("model", "articles"),
    pgettext_lazy("model", "assignee"),
    pgettext_lazy("model", "assignment"),
    pgettext_lazy("model", "attachment"),
    pgettext_lazy("model", "attachments"),
    pgettext_lazy("model", "attempts"),
    pgettext_lazy("model", "author"),
    pgettext_lazy("model", "available"),
    pgettext_lazy("model", "away since"),
    pgettext_lazy("model", "body"),
    pgettext_lazy("model", "business-hours calendars"),
    pgettext_lazy("model", "calendar"),
    pgettext_lazy("model", "categories"),
    pgettext_lazy("model", "category"),
    pgettext_lazy("model", "channel"),
    pgettext_lazy("model", "channels"),
    pgettext_lazy("model", "choices"),
    pgettext_lazy("model", "closed at"),
    pgettext_lazy("model", "content type"),
    pgettext_lazy("model", "counts"),
    pgettext_lazy("model", "created at"),
    pgettext_lazy("model", "created by"),
    pgettext_lazy("model", "custom fields"),
    pgettext_lazy("model", "customer id"),
    pgettext_lazy("model", "customer visible"),
    pgettext_lazy("model", "data"),
    pgettext_lazy("model", "decided at"),
    pgettext_lazy("model", "decided by"),
    pgettext_lazy("model", "delivered at"),
    pgettext_lazy("model", "delivery"),
    pgettext_lazy("model", "description"),
    pgettext_lazy("model", "device"),
    pgettext_lazy("model", "domain"),
    pgettext_lazy("model", "draft number"),
    pgettext_lazy("model", "due at"),
    pgettext_lazy("model", "email pending"),
    pgettext_lazy("model", "email verified at"),
    pgettext_lazy("model", "email"),
    pgettext_lazy("model", "envelope from"),
    pgettext_lazy("model", "envelope to"),
    pgettext_lazy("model", "error"),
    pgettext_lazy("model", "escalate priority"),
    pgettext_lazy("model", "escalate team"),
    pgettext_lazy("model", "escalate to"),
    pgettext_lazy("model", "estimated hours"),
    pgettext_lazy("model", "event id"),
    pgettext_lazy("model", "event"),
    pgettext_lazy("model", "events"),
    pgettext_lazy("model", "expires at"),
    pgettext_lazy("model", "field"),
    pgettext_lazy("model", "file"),
    pgettext_lazy("model", "first response at"),
    pgettext_lazy("model", "format"),
    pgettext_lazy("model", "from address"),
    pgettext_lazy("model", "from name"),
    pgettext_lazy("model", "help text"),
    pgettext_lazy("model", "hours"),
    pgettext_lazy("model", "import run"),
    pgettext_lazy("model", "import runs"),
    pgettext_lazy("model", "inbound mail"),
    pgettext_lazy("model", "inbound mails"),
    pgettext_lazy("model", "ip"),
    pgettext_lazy("model", "is active"),
    pgettext_lazy("model", "is default"),
    pgettext_lazy("model", "kb event"),
    pgettext_lazy("model", "kb events"),
    pgettext_lazy("model", "key"),
    pgettext_lazy("model", "kind"),
    pgettext_lazy("model", "label"),
    pgettext_lazy("model", "language"),
    pgettext_lazy("model", "last activity at"),
    pgettext_lazy("model", "last assigned"),
    pgettext_lazy("model", "last attempt at"),
    pgettext_lazy("model", "last error"),
    pgettext_lazy("model", "last seen at"),
    pgettext_lazy("model", "last used at"),
    pgettext_lazy("model", "lead"),
    pgettext_lazy("model", "level"),
    pgettext_lazy("model", "max open tickets"),
    pgettext_lazy("model", "merged into"),
    pgettext_lazy("model", "message id header"),
    pgettext_lazy("model", "message"),
    pgettext_lazy("model", "messages"),
    pgettext_lazy("model", "metric"),
    pgettext_lazy("model", "name"),
    pgettext_lazy("model", "new location"),
    pgettext_lazy("model", "new value"),
    pgettext_lazy("model", "next attempt at"),
    pgettext_lazy("model", "note"),
    pgettext_lazy("model", "notify"),
    pgettext_lazy("model", "old value"),
    pgettext_lazy("model", "order"),
    pgettext_lazy("model", "organisation"),
    pgettext_lazy("model", "organisations"),
    pgettext_lazy("model", "original name"),
    pgettext_lazy("model", "outbox mail"),
    pgettext_lazy("model", "outbox mails"),
    pgettext_lazy("model", "overdue alert"),
    pgettext_lazy("model", "overdue alerts"),
    pgettext_lazy("model", "payload"),
    pgettext_lazy("model", "position"),
    pgettext_lazy("model", "prefix"),
    pgettext_lazy("model", "priority"),
    pgettext_lazy("model", "privacy log"),
    pgettext_lazy("model", "privacy logs"),
    pgettext_lazy("model", "processed at"),
    pgettext_lazy("model", "profile icon"),
    pgettext_lazy("model", "published at"),
    pgettext_lazy("model", "published body"),
    pgettext_lazy("model", "published by"),
    pgettext_lazy("model", "published html"),
    pgettext_lazy("model", "published number"),
    pgettext_lazy("model", "published title"),
    pgettext_lazy("model", "raw"),
    pgettext_lazy("model", "reason"),
    pgettext_lazy("model", "reason facts"),
    pgettext_lazy("model", "reassign after minutes"),
    pgettext_lazy("model", "received at"),
    pgettext_lazy("model", "recipient"),
    pgettext_lazy("model", "requester"),
    pgettext_lazy("model", "required"),
    pgettext_lazy("model", "resolution public"),
    pgettext_lazy("model", "resolution"),
    pgettext_lazy("model", "resolved at"),
    pgettext_lazy("model", "response code"),
    pgettext_lazy("model", "response excerpt"),
    pgettext_lazy("model", "revoked at"),
    pgettext_lazy("model", "role"),
    pgettext_lazy("model", "scope"),
    pgettext_lazy("model", "secret"),
    pgettext_lazy("model", "sent at"),
    pgettext_lazy("model", "session event"),
    pgettext_lazy("model", "session events"),
    pgettext_lazy("model", "session key hash"),
    pgettext_lazy("model", "sha256"),
    pgettext_lazy("model", "shortcut"),
    pgettext_lazy("model", "size"),
    pgettext_lazy("model", "slug"),
    pgettext_lazy("model", "source"),
    pgettext_lazy("model", "staff only"),
    pgettext_lazy("model", "started at"),
    pgettext_lazy("model", "status"),
    pgettext_lazy("model", "subject"),
    pgettext_lazy("model", "summary"),
    pgettext_lazy("model", "summary facts"),
    pgettext_lazy("model", "system"),
    pgettext_lazy("model", "tag"),
    pgettext_lazy("model", "tags"),
    pgettext_lazy("model", "team"),
    pgettext_lazy("model", "teams"),
    pgettext_lazy("model", "text"),
    pgettext_lazy("model", "ticket event"),
    pgettext_lazy("model", "ticket events"),
    pgettext_lazy("model", "ticket id"),
    pgettext_lazy("model", "ticket"),
    pgettext_lazy("model", "tickets"),
    pgettext_lazy("model", "time zone"),
    pgettext_lazy("model", "title"),
    pgettext_lazy("model", "to address"),
    pgettext_lazy("model", "token hash"),
    pgettext_lazy("model", "token kept jti"),
    pgettext_lazy("model", "token kept version"),
    pgettext_lazy("model", "token version"),
    pgettext_lazy("model", "type"),
    pgettext_lazy("model", "updated at"),
    pgettext_lazy("model", "updated by"),
    pgettext_lazy("model", "uploader"),
    pgettext_lazy("model", "url"),
    pgettext_lazy("model", "user agent"),
    pgettext_lazy("model", "user session"),
    pgettext_lazy("model", "user sessions"),
    pgettext_lazy("model", "user"),
    pgettext_lazy("model", "username tried"),
    pgettext_lazy("model", "username"),
    pgettext_lazy("model", "users"),
    pgettext_lazy("model", "visibility"),
    pgettext_lazy("model", "warn percent"),
    pgettext_lazy("model", "webhook"),
    pgettext_lazy("model", "webhooks"),
)
