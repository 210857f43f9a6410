"""Saved replies on the pages: the agent's own page to manage them (/replies), the picker's
two small endpoints (the filtered list, and one reply rendered for a ticket), and the hook
the ticket page calls when a message written from a saved reply is sent."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext, gettext_noop
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from frontdesk.accounts.models import User
from frontdesk.core.errors import InvalidInput, NotAllowed, NotFound, http_status
from frontdesk.core.ids import parse_id
from frontdesk.kb import selectors as kb_selectors
from frontdesk.replies import selectors, services
from frontdesk.replies.models import SavedReply
from frontdesk.replies.placeholders import PLACEHOLDERS
from frontdesk.tickets.texts import status_label
from frontdesk.web.forms import PageForm
from frontdesk.web.pages import (
    FORM_ERRORS,
    current_user,
    friendly_errors,
    page_methods,
    with_form_error,
)

PICKER_LIMIT = 20
REPLIES = "/replies"
NOT_AN_ID = "That saved reply is not one of the list: choose it again."
REPLY_GONE = gettext_noop(
    "The saved reply you used has just been deleted: send your message again without it, "
    "or choose another."
)
# The hidden input of the ticket page's composer naming the saved reply the message used.
FIELD = "saved_reply"


class SavedReplyForm(PageForm):
    name = forms.CharField(
        label="Name",
        help_text=services.NAME_HINT,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    shortcut = forms.CharField(
        label="Shortcut (optional)",
        help_text=services.SHORTCUT_HINT,
        required=False,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )
    body = forms.CharField(
        label="Text",
        help_text=services.BODY_HINT,
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    set_status = forms.ChoiceField(
        label="When sent, set the status to",
        choices=[("", "Leave it as it is"), *((s.value, s.label) for s in services.MACRO_STATUSES)],
        required=False,
        error_messages={"invalid_choice": "Choose a status from the list."},
    )
    add_tag = forms.CharField(
        label="When sent, add the tag (optional)",
        help_text="One tag: letters, digits, spaces, - and _.",
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    shared = forms.BooleanField(
        label="Shared with every agent",
        help_text="Shared replies can be used by every agent and changed by admins only.",
        required=False,
    )

    def __init__(self, *args: Any, may_share: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not may_share:
            del self.fields["shared"]

    def details(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


def _initial(reply: SavedReply) -> dict[str, Any]:
    return {
        "name": reply.name,
        "shortcut": reply.shortcut,
        "body": reply.body,
        "set_status": reply.set_status,
        "add_tag": reply.add_tag,
        "shared": reply.shared,
    }


def _page(
    request: HttpRequest,
    user: User,
    *,
    form: SavedReplyForm | None = None,
    reply: SavedReply | None = None,
    status: int = 200,
) -> HttpResponse:
    """The list, and beside it the form: a new reply, or the one being changed."""
    query = request.GET.get("q", "")[: selectors.SEARCH_MAX_LENGTH]
    replies = list(selectors.saved_replies_search(user=user, text=query).select_related("owner"))
    editable = reply is None or not reply.shared or user.is_admin
    if form is None:
        initial = _initial(reply) if reply is not None else {}
        form = SavedReplyForm(initial=initial, may_share=user.is_admin)
    context = {
        "replies_own": [r for r in replies if not r.shared],
        "replies_shared": [r for r in replies if r.shared],
        "q": query,
        "form": form,
        "reply": reply,
        "editable": editable,
        "placeholders": PLACEHOLDERS,
    }
    return render(request, "replies/page.html", context, status=status)


def _saved(
    request: HttpRequest, user: User, form: SavedReplyForm, reply: SavedReply | None
) -> HttpResponse:
    if not form.is_valid():
        return _page(request, user, form=form, reply=reply, status=400)
    try:
        if reply is None:
            saved = services.saved_reply_create(actor=user, **form.details())
            done = gettext("Saved reply “%(name)s” created.") % {"name": saved.name}
        else:
            saved = services.saved_reply_update(
                actor=user, reply_id=reply.pk, changes=form.details()
            )
            done = gettext("Saved reply “%(name)s” saved.") % {"name": saved.name}
    except (*FORM_ERRORS, NotAllowed) as exc:
        form.add_domain_error(exc)
        return with_form_error(_page(request, user, form=form, reply=reply), exc)
    messages.success(request, done)
    return redirect(REPLIES)


@page_methods
@never_cache
@login_required
@friendly_errors()
def replies_page(request: HttpRequest) -> HttpResponse:
    """The agent's saved replies, and a form for a new one."""
    user = current_user(request)
    selectors.check_agent(user)
    if request.method != "POST":
        return _page(request, user)
    form = SavedReplyForm(request.POST, may_share=user.is_admin)
    return _saved(request, user, form, None)


@page_methods
@never_cache
@login_required
@friendly_errors(not_found_message=selectors.REPLY_NOT_FOUND)
def reply_page(request: HttpRequest, reply_id: int) -> HttpResponse:
    """One saved reply, to change (its owner; admins for a shared one) or read."""
    user = current_user(request)
    reply = selectors.saved_reply_get(user=user, reply_id=reply_id)
    if request.method != "POST":
        return _page(request, user, reply=reply)
    form = SavedReplyForm(request.POST, may_share=user.is_admin)
    return _saved(request, user, form, reply)


@require_POST
@never_cache
@login_required
@friendly_errors(not_found_message=selectors.REPLY_NOT_FOUND)
def reply_delete(request: HttpRequest, reply_id: int) -> HttpResponse:
    user = current_user(request)
    name = selectors.saved_reply_get(user=user, reply_id=reply_id).name
    services.saved_reply_delete(actor=user, reply_id=reply_id)
    messages.success(request, gettext("Saved reply “%(name)s” deleted.") % {"name": name})
    return redirect(REPLIES)


# --- the picker on a ticket's page ------------------------------------------------------------


def _ticket_id(request: HttpRequest) -> int:
    return parse_id(request.GET.get("ticket", ""), field="ticket")


@require_GET
@never_cache
@login_required
@friendly_errors()
def reply_picker(request: HttpRequest) -> HttpResponse:
    """The replies matching ``q``, as the picker's list of options (an HTML fragment)."""
    user = current_user(request)
    query = request.GET.get("q", "")
    found = list(selectors.saved_replies_search(user=user, text=query)[: PICKER_LIMIT + 1])
    context = {"replies": found[:PICKER_LIMIT], "more": len(found) > PICKER_LIMIT, "q": query}
    context["articles"] = [  # help-centre articles to link to (kb/)
        (article, kb_selectors.article_url(article))
        for article in kb_selectors.articles_for_reply(user=user, text=query)
    ]
    return render(request, "replies/_picker_list.html", context)


@require_GET
@never_cache
@login_required
def reply_render(request: HttpRequest, reply_id: int) -> HttpResponse:
    """One reply's text for a ticket, placeholders filled in, and what sending it will do."""
    user = current_user(request)
    try:
        rendered = selectors.saved_reply_render(
            user=user, reply_id=reply_id, ticket_id=_ticket_id(request)
        )
    except (InvalidInput, NotAllowed, NotFound) as exc:
        return JsonResponse({"error": exc.said()}, status=http_status(exc))
    reply = rendered.reply
    return JsonResponse(
        {"id": reply.pk, "name": reply.name, "text": rendered.text, "does": macro_words(reply)}
    )


def macro_words(reply: SavedReply) -> str:
    """What sending the reply does besides the text, in words ("" for nothing)."""
    status = status_label(reply.set_status, for_customer=False) if reply.set_status else ""
    if reply.add_tag and status:
        return gettext("adds the tag “%(tag)s” and sets the status to %(status)s") % {
            "tag": reply.add_tag,
            "status": status,
        }
    if reply.add_tag:
        return gettext("adds the tag “%(tag)s”") % {"tag": reply.add_tag}
    if status:
        return gettext("sets the status to %(status)s") % {"status": status}
    return ""


# --- the ticket page's hook -------------------------------------------------------------------


def with_saved_reply(
    request: HttpRequest,
    user: User,
    ticket_id: int,
    send: Callable[[], str],
    *,
    status_chosen: bool = False,
) -> str:
    """Run the ticket page's ``send`` (a reply or a note, as the page posts it) and, when the
    message was written from a saved reply (the composer's hidden ``saved_reply``), apply the
    reply's macro in the same transaction. Returns the page's confirmation."""
    raw = request.POST.get(FIELD, "").strip()
    reply_id = parse_id(raw, field=FIELD, message=NOT_AN_ID) if raw else None
    if reply_id is not None:
        try:
            selectors.saved_reply_get(user=user, reply_id=reply_id)
        except NotFound:
            raise InvalidInput(REPLY_GONE, field=FIELD) from None
    done, applied = services.saved_reply_use(
        actor=user, ticket_id=ticket_id, reply_id=reply_id, send=send, status_chosen=status_chosen
    )
    return f"{done} {applied.summary}".strip() if applied else done
