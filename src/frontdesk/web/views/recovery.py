"""The recovery pages: "forgot password" (ask for a link) and the link's page (choose the
password). The rules live in accounts/recovery.py."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext, gettext_noop
from django.views.decorators.cache import never_cache

from frontdesk.accounts import recovery
from frontdesk.accounts.sessions import ClientInfo
from frontdesk.core.errors import InvalidInput, NotFound, RateLimited
from frontdesk.web.pages import page_methods, with_form_error
from frontdesk.web.recovery_forms import ForgotPasswordForm, ResetPasswordForm

FORGOT = "/password/forgot"
SENT = gettext_noop(
    "If an account uses that address or username, we have sent a link to its email address. "
    "The link works for one hour. Nothing arrived? Look in your spam folder, or ask again in "
    "a few minutes."
)
PASSWORD_SET = gettext_noop("Your password is set. Sign in with it.")


@page_methods
@never_cache
def password_forgot_page(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        context = {
            "form": ForgotPasswordForm(),
            "sent": gettext(SENT) if "sent" in request.GET else "",
        }
        return render(request, "web/password_forgot.html", context)
    form = ForgotPasswordForm(request.POST)
    if form.is_valid():
        try:
            recovery.reset_request(
                login=form.cleaned_data["login"], client=ClientInfo.from_request(request)
            )
        except (InvalidInput, RateLimited) as exc:
            form.add_domain_error(exc)
            response = render(request, "web/password_forgot.html", {"form": form})
            return with_form_error(response, exc)
        else:
            # The same answer whether or not the account exists.
            return redirect(f"{FORGOT}?sent=1")
    return render(request, "web/password_forgot.html", {"form": form}, status=400)


@page_methods
@never_cache
def password_reset_page(request: HttpRequest, token: str) -> HttpResponse:
    if request.method != "POST":
        try:
            link = recovery.reset_link_check(raw=token)
        except NotFound as exc:
            page = render(request, "web/password_reset_invalid.html", {"error": exc.said()})
            page.status_code = 404
            return page
        context = {"form": ResetPasswordForm(), "claim": link.claim, "account": link.user}
        return render(request, "web/password_reset.html", context)
    form = ResetPasswordForm(request.POST)
    if form.is_valid():
        try:
            recovery.reset_complete(
                raw=token,
                new_password=form.cleaned_data["password"],
                client=ClientInfo.from_request(request),
            )
        except NotFound as exc:
            page = render(request, "web/password_reset_invalid.html", {"error": exc.said()})
            page.status_code = 404
            return page
        except InvalidInput as exc:
            form.add_domain_error(exc)
            page = render(request, "web/password_reset.html", _again(request, form))
            return with_form_error(page, exc)
        messages.success(request, gettext(PASSWORD_SET))
        return redirect("/login")
    page = render(request, "web/password_reset.html", _again(request, form), status=400)
    return page


def _again(request: HttpRequest, form: ResetPasswordForm) -> dict[str, object]:
    """The form again with its errors, in the words it was first shown with."""
    return {"form": form, "claim": request.POST.get("claim") == "1"}
