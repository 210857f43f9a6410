"""Home (the ticket lists), opening a ticket, and a ticket's page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django_htmx.http import HttpResponseClientRedirect

from frontdesk.accounts.models import AfterSend, User
from frontdesk.accounts.selectors import user_get_by_reference
from frontdesk.core.errors import NotFound
from frontdesk.fields import selectors as field_selectors
from frontdesk.fields import services as field_services
from frontdesk.following.selectors import cc_addresses, tickets_copied_for
from frontdesk.following.services import ticket_open_with_cc
from frontdesk.satisfaction.selectors import satisfaction_card
from frontdesk.tickets import access, customers, merging, selectors, services
from frontdesk.tickets.models import DONE_STATUSES, MessageKind, Status, Ticket
from frontdesk.tickets.next_ticket import workspace_next_ticket
from frontdesk.tickets.texts import plain_words
from frontdesk.web.customer_forms import PhoneInForm
from frontdesk.web.forms import SEND_ACTIONS, TicketNewForm, TicketPageForm
from frontdesk.web.pages import (
    FORM_ERRORS,
    current_user,
    friendly_errors,
    page_methods,
    with_form_error,
)
from frontdesk.web.views.replies import with_saved_reply
from frontdesk.web.views.ticket_controls import (
    CONTROLS,
    UPDATE_TEMPLATE,
    came_from,
    is_htmx_post,
    page_url,
    sidebar_context,
    thread_context,
)
from frontdesk.web.views.workspace import workspace_page

LIST_LIMIT = 50  # tickets shown per list; the heading counts them all
TICKET_NOT_FOUND = "There is no ticket with that number. Check the link, or find it at home."


@page_methods
@never_cache
@login_required
def home_page(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    if user.is_staff_member:
        return workspace_page(request, user)
    active = selectors.tickets_active_for(user=user, reader=user)
    done = selectors.tickets_done_for(user=user, reader=user)
    context: dict[str, Any] = {
        "active": active,
        "done": done[:LIST_LIMIT],
        "done_count": len(done),
        "copied": tickets_copied_for(user=user),
    }
    return render(request, "web/home.html", context)


@page_methods
@never_cache
@login_required
@friendly_errors()
def ticket_new_page(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    for_staff = user.is_staff_member
    custom = field_selectors.fields_for_form(user=user)
    if request.method != "POST":
        form = TicketNewForm(for_staff=for_staff, custom_fields=custom)
        return _ticket_new(request, form, for_staff)
    form = TicketNewForm(request.POST, request.FILES, for_staff=for_staff, custom_fields=custom)
    caller = PhoneInForm(request.POST if for_staff else None)
    if caller.is_used():  # a caller without an account: no username needed
        form.fields["requester"].required = False
    if form.is_valid() and (not caller.is_used() or caller.is_valid()):
        data = form.cleaned_data
        try:
            if caller.is_used():
                opened = field_services.ticket_open_for_caller_with_fields(
                    actor=user,
                    name=caller.cleaned_data["name"],
                    email=caller.cleaned_data["email"],
                    title=data["title"],
                    body=data["message"],
                    files=form.files_to_send(user),
                    fields=form.custom_values(),
                )
            else:
                requester = user_get_by_reference(data["requester"]) if for_staff else None
                opened = ticket_open_with_cc(
                    actor=user,
                    cc=cc_addresses(data["cc"]),
                    opener=field_services.ticket_open_with_fields,
                    title=data["title"],
                    body=data["message"],
                    requester=requester,
                    files=form.files_to_send(user),
                    fields=form.custom_values(),
                )
        except NotFound as exc:
            form.add_error("requester", exc.said())
        except FORM_ERRORS as exc:
            (caller if exc.field in caller.fields else form).add_domain_error(exc)
            return with_form_error(_ticket_new(request, form, for_staff, caller=caller), exc)
        else:
            form.files_sent(user)
            messages.success(
                request,
                gettext("Your ticket %(number)s has been opened.")
                % {"number": opened.ticket.number},
            )
            return redirect(f"/ticket/{opened.ticket.pk}")
    return _ticket_new(request, form, for_staff, caller=caller, status=400)


def _ticket_new(
    request: HttpRequest,
    form: TicketNewForm,
    for_staff: bool,
    *,
    caller: PhoneInForm | None = None,
    status: int = 200,
) -> HttpResponse:
    form.keep_files(current_user(request))  # a form sent back: offer its files again
    context = {
        "form": form,
        "for_staff": for_staff,
        "files_dropped": bool(request.FILES),
        "caller_form": caller or PhoneInForm(),
    }
    return render(request, "web/ticket_new.html", context, status=status)


# --- a ticket's page ----------------------------------------------------------------------
#
# Every form on the page posts to the page's own address with an ``action``. Without
# JavaScript the answer is a redirect to the page (POST/redirect/GET); with htmx it is
# web/_ticket_update.html: the sidebar, and out of band the head, the thread, the status line
# and (for the composer's posts) a fresh composer. The page never reloads for these.

Action = Callable[[User, int, dict[str, Any]], str]
SEND_THEN: dict[str, str | None] = {
    "reply": None,
    "reply_close": Status.CLOSED,
    "reply_pending": Status.PENDING,
}
COMPOSER_ACTIONS = (*SEND_ACTIONS, "note")
HEAD_ACTIONS = ("claim", "take_over", "close", "reopen")


def _send(user: User, ticket_id: int, data: dict[str, Any]) -> str:
    then = SEND_THEN[data["action"]]
    # The pages' choice (SupportMe keeps its explicit "!claim"): an agent who answers an
    # unassigned ticket takes it.
    message = services.ticket_reply(
        actor=user,
        ticket_id=ticket_id,
        body=data["message"],
        files=data["files"],
        then_status=then,
        claim_if_unassigned=True,
    )
    # "!close", "!open" and "!claim" are commands: their system message says what happened.
    if message.kind == MessageKind.SYSTEM:
        return plain_words(message.body, for_customer=not user.is_staff_member)
    if then == Status.CLOSED:
        return gettext("Your reply has been sent and the ticket closed.")
    if then == Status.PENDING:
        return gettext("Your reply has been sent; the ticket is pending.")
    return gettext("Your reply has been sent.")


def _note(user: User, ticket_id: int, data: dict[str, Any]) -> str:
    services.message_post(
        actor=user, ticket_id=ticket_id, body=data["message"], internal=True, files=data["files"]
    )
    return gettext("Your internal note has been added.")


def _close(user: User, ticket_id: int, data: dict[str, Any]) -> str:
    services.ticket_change_status(actor=user, ticket_id=ticket_id, status=Status.CLOSED)
    return gettext("The ticket has been closed.")


def _reopen(user: User, ticket_id: int, data: dict[str, Any]) -> str:
    services.ticket_change_status(actor=user, ticket_id=ticket_id, status=Status.REOPENED)
    return gettext("The ticket has been reopened.")


def _claim(user: User, ticket_id: int, data: dict[str, Any]) -> str:
    services.ticket_claim(actor=user, ticket_id=ticket_id)
    return gettext("You have claimed this ticket.")


def _take_over(user: User, ticket_id: int, data: dict[str, Any]) -> str:
    services.ticket_take_over(actor=user, ticket_id=ticket_id, from_id=data["take_from"])
    return gettext("You have taken over this ticket.")


ACTIONS: dict[str, Action] = {
    **dict.fromkeys(SEND_ACTIONS, _send),
    "note": _note,
    "close": _close,
    "reopen": _reopen,
    "claim": _claim,
    "take_over": _take_over,
}


def _ticket(
    request: HttpRequest,
    user: User,
    ticket_id: int,
    status: int,
    *,
    form: TicketPageForm | None = None,
    composer: TicketPageForm | None = None,
    done: str = "",
    partial: bool = False,
) -> HttpResponse:
    """The page, or with ``partial`` its htmx update. ``form`` is a refused sidebar control
    or head button, ``composer`` a refused reply or note (each shown where it was sent)."""
    ticket = access.ticket_get(user=user, ticket_id=ticket_id)
    if ticket.merged_into_id is not None and request.method == "GET":
        # A merged ticket's page is its survivor's (tickets/merging.py).
        survivor = merging.ticket_redirect_for(user=user, ticket=ticket)
        if survivor is not None:
            return redirect(page_url(request, survivor))
    if composer is not None:
        composer.keep_files(user)  # a message sent back: offer its files again
    services.ticket_mark_read(user=user, ticket=ticket)
    composer_swap = composer is not None or request.POST.get("action") in COMPOSER_ACTIONS
    if form is None or composer is None:
        # An unbound form shows nothing of its own (no data, no errors): one serves the
        # sidebar's controls and the composer alike (a form made cost 0.4 ms of CPU).
        blank = TicketPageForm()
        form, composer = form or blank, composer or blank
    context = _context(request, user, ticket, form=form)
    context.update(
        composer=composer,
        composer_swap=composer_swap,
        files_dropped=request.method == "POST" and bool(request.FILES),
        done=done,
        partial=partial,
    )
    template = UPDATE_TEMPLATE if partial else "web/ticket.html"
    return render(request, template, context, status=status)


def ticket_page_with_status(
    request: HttpRequest, user: User, ticket_id: int, status: int
) -> HttpResponse:
    """The ticket's page answered with ``status``: for a card that posts elsewhere and shows
    its refusal on the page (web/views/following.py)."""
    return _ticket(request, user, ticket_id, status)


def _context(
    request: HttpRequest, user: User, ticket: Ticket, *, form: TicketPageForm, thread: bool = True
) -> dict[str, Any]:
    """What the page's parts show: the head, the conversation (unless not ``thread``) and the
    sidebar."""
    return {
        "ticket": ticket,
        "form": form,
        "for_staff": user.is_staff_member,
        # Close and reopen: the requester's and the staff's, not a person copied on it (CC).
        "can_close": user.is_staff_member or ticket.requester_id == user.pk,
        "can_claim": services.ticket_claim_possible(actor=user, ticket=ticket),
        "can_take_over": services.ticket_take_over_possible(actor=user, ticket=ticket),
        "head_actions": HEAD_ACTIONS,
        "done_statuses": DONE_STATUSES,
        "closed_at": (ticket.closed_at or ticket.resolved_at) if ticket.is_done else None,
        "logged_by": selectors.ticket_logged_by(ticket=ticket),
        # The customer's "Resolution" block, once the ticket is done (agents: the sidebar).
        "resolution_shown": (
            access.resolution_for(user, ticket)[0]
            if ticket.is_done and not user.is_staff_member
            else ""
        ),
        "page_url": page_url(request, ticket.pk),
        "came_from": came_from(request),
        **(thread_context(request, user, ticket) if thread else {}),
        **sidebar_context(user, ticket, form),
        "customer_panel": customers.customer_panel(user=user, ticket=ticket),
        "satisfaction": satisfaction_card(user=user, ticket=ticket),
        # A customer's own view of the fields they may see (staff edit them in the sidebar).
        "shown_fields": []
        if user.is_staff_member
        else field_selectors.fields_shown_on(user=user, ticket=ticket),
    }


def _refused(
    request: HttpRequest, user: User, ticket_id: int, form: TicketPageForm, partial: bool
) -> HttpResponse:
    """The page (or its update) again with ``form``'s errors where they were sent."""
    in_composer = form.data.get("action") in COMPOSER_ACTIONS or "message" in form.errors
    if in_composer:
        return _ticket(request, user, ticket_id, 400, composer=form, partial=partial)
    return _ticket(request, user, ticket_id, 400, form=form, partial=partial)


def _after(request: HttpRequest, user: User, ticket_id: int, action: str) -> str:
    """Where the page goes once ``action`` is done: the next ticket of the list the agent
    came from, after a reply, if they chose so (User.after_send); else the page itself."""
    address = came_from(request)
    goes_on = user.is_staff_member and user.after_send == AfterSend.NEXT
    if action in SEND_ACTIONS and goes_on and address:
        following = workspace_next_ticket(
            user=user, after_ticket_id=ticket_id, address=QueryDict(address)
        )
        if following is not None:
            return page_url(request, following.pk)
    return page_url(request, ticket_id)


@page_methods
@never_cache
@login_required
@friendly_errors(not_found_message=TICKET_NOT_FOUND)
def ticket_page(request: HttpRequest, ticket_id: int) -> HttpResponse:
    user = current_user(request)
    if request.method != "POST":
        return _ticket(request, user, ticket_id, 200)
    form = TicketPageForm(request.POST, request.FILES)
    partial = is_htmx_post(request)
    if not form.is_valid():
        return _refused(request, user, ticket_id, form, partial)
    action = form.cleaned_data["action"]
    run = CONTROLS.get(action) or ACTIONS[action]

    def send() -> str:
        return run(user, ticket_id, {**form.cleaned_data, "files": form.files_to_send(user)})

    try:
        if action in COMPOSER_ACTIONS:
            # A message written from a saved reply also runs the reply's macro.
            status_chosen = SEND_THEN.get(action) is not None
            done = with_saved_reply(request, user, ticket_id, send, status_chosen=status_chosen)
        else:
            done = send()
    except FORM_ERRORS as exc:
        form.add_domain_error(exc)
        return with_form_error(_refused(request, user, ticket_id, form, partial), exc)
    form.files_sent(user)
    target = _after(request, user, ticket_id, action)
    if partial and target == page_url(request, ticket_id):
        return _ticket(request, user, ticket_id, 200, done=done, partial=True)
    messages.success(request, done)
    return HttpResponseClientRedirect(target) if partial else redirect(target)


@never_cache
@require_GET
@login_required
@friendly_errors(not_found_message=TICKET_NOT_FOUND)
def ticket_thread(request: HttpRequest, ticket_id: int) -> HttpResponse:
    """What a ticket page's scripts fetch, never the page itself, through the same permission
    checks: ``?after=<id>`` the messages after that one (a live update), ``?parts=ticket`` the
    head and the sidebar (a live update of anything else), ``?read=1`` marks the ticket
    read once the page has shown the new messages (204), else the whole conversation,
    unfolded (``?all=1``, the "earlier messages" link)."""
    user = current_user(request)
    ticket = access.ticket_get(user=user, ticket_id=ticket_id)
    if "read" in request.GET:
        # Apart from the fetch of the messages, so that showing them waits for no write.
        services.ticket_mark_read(user=user, ticket=ticket)
        return HttpResponse(status=204)
    if request.GET.get("parts") == "ticket":
        context = _context(request, user, ticket, form=TicketPageForm(), thread=False)
        return render(request, "web/_ticket_live.html", context)
    context = {"ticket": ticket, **thread_context(request, user, ticket)}
    if "after" not in request.GET:
        return render(request, "web/ticket.html#conversation", context)
    return render(request, "web/ticket.html#messages", context)
