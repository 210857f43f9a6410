"""The email verification pages: the mailed link (confirmed with a button, so that a mail
scanner opening the link does not use it up), "resend", and changing the address. The rules
live in accounts/verification.py."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext, gettext_noop
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from frontdesk.accounts import verification
from frontdesk.accounts.sessions import ClientInfo
from frontdesk.core.errors import DomainError, InvalidInput, NotAllowed, NotFound, RateLimited
from frontdesk.web.pages import current_user, page_methods, with_form_error
from frontdesk.web.verification_forms import EmailChangeForm

EMAIL_PAGE = "/profile/email"
CONFIRMED = gettext_noop("Your email address {address} is confirmed.")
SENT = gettext_noop("We sent a new confirmation link to {address}. It works for three days.")
CHANGE_ASKED = gettext_noop(
    "We sent a confirmation link to {address}. Your account keeps its current address until "
    "you open it."
)


def _invalid(request: HttpRequest, exc: DomainError, status: int) -> HttpResponse:
    page = render(request, "web/email_verify.html", {"error": exc.said()}, status=status)
    return page


@page_methods
@never_cache
def email_verify_page(request: HttpRequest, token: str) -> HttpResponse:
    if request.method != "POST":
        try:
            user, address = verification.verification_check(raw=token)
        except NotFound as exc:
            return _invalid(request, exc, 404)
        context = {"address": address, "account": user}
        return render(request, "web/email_verify.html", context)
    try:
        user = verification.email_verify(raw=token)
    except NotFound as exc:
        return _invalid(request, exc, 404)
    except InvalidInput as exc:
        return _invalid(request, exc, 400)
    messages.success(request, gettext(CONFIRMED).format(address=user.email))
    return redirect("/home" if request.user.is_authenticated else "/login")


@require_POST
@login_required
def email_verify_resend(request: HttpRequest) -> HttpResponse:
    try:
        address = verification.verification_resend(user=current_user(request))
    except RateLimited as exc:
        return with_form_error(_invalid(request, exc, 429), exc)
    except (InvalidInput, NotAllowed) as exc:
        messages.info(request, exc.said())
        return redirect(EMAIL_PAGE)
    messages.success(request, gettext(SENT).format(address=address))
    return redirect(EMAIL_PAGE)


@page_methods
@never_cache
@login_required
def profile_email_page(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    if request.method != "POST":
        return render(request, "web/profile_email.html", {"form": EmailChangeForm()})
    form = EmailChangeForm(request.POST)
    if form.is_valid():
        try:
            verification.email_change_request(
                user=user,
                new_email=form.cleaned_data["email"],
                password=form.cleaned_data["password"],
                client=ClientInfo.from_request(request),
            )
        except (InvalidInput, NotAllowed, RateLimited) as exc:
            form.add_domain_error(exc)
            page = render(request, "web/profile_email.html", {"form": form})
            return with_form_error(page, exc)
        messages.success(request, gettext(CHANGE_ASKED).format(address=user.email_pending))
        return redirect(EMAIL_PAGE)
    return render(request, "web/profile_email.html", {"form": form}, status=400)
