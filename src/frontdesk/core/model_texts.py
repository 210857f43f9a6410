"""Models' and fields' names, help texts and choices in the reader's language (the admin site
and Django's own messages read them), with no migration.

A field's ``verbose_name``, ``help_text`` and ``choices`` are part of its migration state, so
giving each of several hundred fields an explicit ``verbose_name=_("…")`` would write an
AlterField for every one. Instead, once every model is loaded, ``model_texts_translate``
swaps each Frontdesk model's names (explicit or made by Django from the attribute's name),
help texts and choice labels for lazy translations of the same English. Migrations compare
what a field was declared with (``_verbose_name``), or compare texts that are equal, so they
see no change. The enums keep their English labels: stored lines and the APIs use those.

Names Django makes from an attribute (``created_at`` → "created at") are in no source file
for ``makemessages`` to find, so they are listed in ``MODEL_TEXTS``;
tests/i18n/test_admin.py fails while a model in the admin has a name, help text or choice
that the catalogue does not know.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy, gettext_noop


def _lazy(text: object) -> object:
    if not text or isinstance(text, Promise):  # nothing, or the model's own gettext_lazy
        return text
    return gettext_lazy(str(text))


def _field_translate(field: Any) -> None:
    field.verbose_name = _lazy(field.verbose_name)
    field.help_text = _lazy(field.help_text)
    choices = list(field.choices or ())
    # Flat choices only: a grouped list keeps its English.
    if choices and all(isinstance(label, str) for _value, label in choices):
        field.choices = [(value, gettext_lazy(label)) for value, label in choices]


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
                options.verbose_name_plural = gettext_lazy(str(options.verbose_name_plural))
        else:
            options.verbose_name_plural = _lazy(options.verbose_name_plural)  # type: ignore[assignment]
        for field in (*options.local_fields, *options.local_many_to_many):
            _field_translate(field)


# The names Django makes from the attributes of the models in the admin.
MODEL_TEXTS = (
    gettext_noop("ID"),
    gettext_noop("SLA alerts"),
    gettext_noop("action"),
    gettext_noop("active"),
    gettext_noop("actor"),
    gettext_noop("actual hours"),
    gettext_noop("after send"),
    gettext_noop("alt"),
    gettext_noop("api token"),
    gettext_noop("api tokens"),
    gettext_noop("article"),
    gettext_noop("article image"),
    gettext_noop("article images"),
    gettext_noop("articles"),
    gettext_noop("assignee"),
    gettext_noop("assignment"),
    gettext_noop("attachment"),
    gettext_noop("attachments"),
    gettext_noop("attempts"),
    gettext_noop("author"),
    gettext_noop("available"),
    gettext_noop("away since"),
    gettext_noop("body"),
    gettext_noop("business-hours calendars"),
    gettext_noop("calendar"),
    gettext_noop("categories"),
    gettext_noop("category"),
    gettext_noop("channel"),
    gettext_noop("channels"),
    gettext_noop("choices"),
    gettext_noop("closed at"),
    gettext_noop("content type"),
    gettext_noop("counts"),
    gettext_noop("created at"),
    gettext_noop("created by"),
    gettext_noop("custom fields"),
    gettext_noop("customer id"),
    gettext_noop("customer visible"),
    gettext_noop("data"),
    gettext_noop("decided at"),
    gettext_noop("decided by"),
    gettext_noop("delivered at"),
    gettext_noop("delivery"),
    gettext_noop("description"),
    gettext_noop("device"),
    gettext_noop("domain"),
    gettext_noop("draft number"),
    gettext_noop("due at"),
    gettext_noop("email"),
    gettext_noop("email pending"),
    gettext_noop("email verified at"),
    gettext_noop("envelope from"),
    gettext_noop("envelope to"),
    gettext_noop("error"),
    gettext_noop("escalate priority"),
    gettext_noop("escalate team"),
    gettext_noop("escalate to"),
    gettext_noop("estimated hours"),
    gettext_noop("event"),
    gettext_noop("event id"),
    gettext_noop("events"),
    gettext_noop("expires at"),
    gettext_noop("field"),
    gettext_noop("file"),
    gettext_noop("first response at"),
    gettext_noop("format"),
    gettext_noop("from address"),
    gettext_noop("from name"),
    gettext_noop("help text"),
    gettext_noop("hours"),
    gettext_noop("import run"),
    gettext_noop("import runs"),
    gettext_noop("inbound mail"),
    gettext_noop("inbound mails"),
    gettext_noop("ip"),
    gettext_noop("is active"),
    gettext_noop("is default"),
    gettext_noop("kb event"),
    gettext_noop("kb events"),
    gettext_noop("key"),
    gettext_noop("kind"),
    gettext_noop("label"),
    gettext_noop("language"),
    gettext_noop("last activity at"),
    gettext_noop("last assigned"),
    gettext_noop("last attempt at"),
    gettext_noop("last error"),
    gettext_noop("last seen at"),
    gettext_noop("last used at"),
    gettext_noop("lead"),
    gettext_noop("level"),
    gettext_noop("max open tickets"),
    gettext_noop("merged into"),
    gettext_noop("message"),
    gettext_noop("message id header"),
    gettext_noop("messages"),
    gettext_noop("metric"),
    gettext_noop("name"),
    gettext_noop("new location"),
    gettext_noop("new value"),
    gettext_noop("next attempt at"),
    gettext_noop("note"),
    gettext_noop("notify"),
    gettext_noop("old value"),
    gettext_noop("order"),
    gettext_noop("organisation"),
    gettext_noop("organisations"),
    gettext_noop("original name"),
    gettext_noop("outbox mail"),
    gettext_noop("outbox mails"),
    gettext_noop("overdue alert"),
    gettext_noop("overdue alerts"),
    gettext_noop("payload"),
    gettext_noop("position"),
    gettext_noop("prefix"),
    gettext_noop("priority"),
    gettext_noop("privacy log"),
    gettext_noop("privacy logs"),
    gettext_noop("processed at"),
    gettext_noop("profile icon"),
    gettext_noop("published at"),
    gettext_noop("published body"),
    gettext_noop("published by"),
    gettext_noop("published html"),
    gettext_noop("published number"),
    gettext_noop("published title"),
    gettext_noop("raw"),
    gettext_noop("reason"),
    gettext_noop("reassign after minutes"),
    gettext_noop("received at"),
    gettext_noop("recipient"),
    gettext_noop("requester"),
    gettext_noop("required"),
    gettext_noop("resolution"),
    gettext_noop("resolution public"),
    gettext_noop("resolved at"),
    gettext_noop("response code"),
    gettext_noop("response excerpt"),
    gettext_noop("revoked at"),
    gettext_noop("role"),
    gettext_noop("scope"),
    gettext_noop("secret"),
    gettext_noop("sent at"),
    gettext_noop("session event"),
    gettext_noop("session events"),
    gettext_noop("session key hash"),
    gettext_noop("sha256"),
    gettext_noop("size"),
    gettext_noop("slug"),
    gettext_noop("source"),
    gettext_noop("staff only"),
    gettext_noop("started at"),
    gettext_noop("status"),
    gettext_noop("subject"),
    gettext_noop("summary"),
    gettext_noop("system"),
    gettext_noop("tag"),
    gettext_noop("tags"),
    gettext_noop("team"),
    gettext_noop("teams"),
    gettext_noop("ticket"),
    gettext_noop("ticket event"),
    gettext_noop("ticket events"),
    gettext_noop("ticket id"),
    gettext_noop("tickets"),
    gettext_noop("time zone"),
    gettext_noop("title"),
    gettext_noop("to address"),
    gettext_noop("token hash"),
    gettext_noop("token kept jti"),
    gettext_noop("token kept version"),
    gettext_noop("token version"),
    gettext_noop("type"),
    gettext_noop("updated at"),
    gettext_noop("updated by"),
    gettext_noop("uploader"),
    gettext_noop("url"),
    gettext_noop("user"),
    gettext_noop("user agent"),
    gettext_noop("user session"),
    gettext_noop("user sessions"),
    gettext_noop("username"),
    gettext_noop("username tried"),
    gettext_noop("users"),
    gettext_noop("visibility"),
    gettext_noop("warn percent"),
    gettext_noop("webhook"),
    gettext_noop("webhooks"),
)
