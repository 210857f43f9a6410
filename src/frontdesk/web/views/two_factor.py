"""Two-factor pages: the sign-in's second step, the admin's way in, and the profile's
"Two-factor authentication" page (set up, new recovery codes, turn off)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import admin, messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from frontdesk.accounts import two_factor
from frontdesk.accounts.models import User
from frontdesk.accounts.sessions import ClientInfo
from frontdesk.core.errors import DomainError, InvalidInput, NotAllowed, RateLimited
from frontdesk.web.pages import current_user, forbidden, page_methods, with_form_error
from frontdesk.web.two_factor_forms import (
    TwoFactorCodeForm,
    TwoFactorConfirmForm,
    TwoFactorEnrolForm,
)
from frontdesk.web.views.account import BACKEND, after_sign_in

PAGE = "/profile/two-factor"
ADMIN_ONLY = "The admin site is for admins."


def _with_next(path: str, request: HttpRequest) -> str:
    target = request.GET.get("next", "")
    return f"{path}?{urlencode({'next': target})}" if target else path


@page_methods
@never_cache
def login_code_page(request: HttpRequest) -> HttpResponse:
    """Second step of signing in: the password was right (a pending state in the session,
    for a few minutes); only a right code signs the session in."""
    if request.user.is_authenticated:
        return redirect(after_sign_in(request))
    if request.method != "POST":
        if two_factor.pending_user(request.session) is None:
            messages.info(request, gettext(two_factor.PENDING_EXPIRED))
            return redirect(_with_next("/login", request))
        return render(request, "web/login_code.html", {"form": TwoFactorCodeForm()})
    form = TwoFactorCodeForm(request.POST)
    refusal: DomainError | None = None
    if form.is_valid():
        try:
            user = two_factor.pending_complete(
                request.session,
                code=form.cleaned_data["code"],
                client=ClientInfo.from_request(request),
            )
        except NotAllowed as exc:
            messages.info(request, exc.said())
            return redirect(_with_next("/login", request))
        except (InvalidInput, RateLimited) as exc:
            form.add_domain_error(exc)
            refusal = exc
        else:
            login(request, user, backend=BACKEND)
            return redirect(after_sign_in(request))
    response = render(request, "web/login_code.html", {"form": form}, status=400)
    return with_form_error(response, refusal) if refusal is not None else response


@never_cache
def admin_login(request: HttpRequest) -> HttpResponse:
    """The admin signs in through the site's own sign-in (password, then the code). Django's
    admin form still takes a POST made directly (scripts, its own rate limits), but refuses
    an account with two-factor on."""
    if request.method == "POST":
        return admin.site.login(request)
    target = request.GET.get("next", "")
    safe = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    target = target if safe and target.startswith("/admin/") else "/admin/"
    if request.user.is_authenticated:
        user = request.user
        if isinstance(user, User) and user.is_admin:
            return redirect(target)
        return forbidden(request, ADMIN_ONLY)
    return redirect(f"/login?{urlencode({'next': target})}")


def _page(request: HttpRequest, user: User, status: int = 200, **extra: Any) -> HttpResponse:
    context: dict[str, Any] = {
        "two_factor_on": two_factor.two_factor_is_on(user),
        "required": two_factor.two_factor_required_for(user),
        "off_form": TwoFactorConfirmForm(prefix="off"),
        "codes_form": TwoFactorConfirmForm(prefix="codes"),
        **extra,
    }
    if context["two_factor_on"]:
        context["codes_left"] = two_factor.recovery_codes_left(user)
    elif "recovery_codes" not in context:
        context["enrolment"] = two_factor.two_factor_enrol_start(user=user)
        context.setdefault("form", TwoFactorEnrolForm())
    return render(request, "web/two_factor.html", context, status=status)


@page_methods
@never_cache
@login_required
def two_factor_page(request: HttpRequest) -> HttpResponse:
    """Set up (scan, then the first code), or see the state, on the profile."""
    user = current_user(request)
    if request.method != "POST":
        return _page(request, user)
    form = TwoFactorEnrolForm(request.POST)
    if form.is_valid():
        try:
            codes = two_factor.two_factor_enrol_confirm(
                user=user, code=form.cleaned_data["code"], client=ClientInfo.from_request(request)
            )
        except (InvalidInput, RateLimited) as exc:
            form.add_domain_error(exc)
            return with_form_error(_page(request, user, 400, form=form), exc)
        messages.success(request, "Two-factor authentication is on.")
        return _page(request, user, recovery_codes=codes)
    return _page(request, user, 400, form=form)


@never_cache
@require_POST
@login_required
def two_factor_disable(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    form = TwoFactorConfirmForm(request.POST, prefix="off")
    if form.is_valid():
        try:
            two_factor.two_factor_disable(
                user=user,
                password=form.cleaned_data["password"],
                code=form.cleaned_data["code"],
                client=ClientInfo.from_request(request),
            )
        except (InvalidInput, NotAllowed, RateLimited) as exc:
            form.add_domain_error(exc)
            return with_form_error(_page(request, user, 400, off_form=form), exc)
        messages.success(request, "Two-factor authentication is off.")
        return redirect(PAGE)
    return _page(request, user, 400, off_form=form)


@never_cache
@require_POST
@login_required
def two_factor_recovery_codes(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    form = TwoFactorConfirmForm(request.POST, prefix="codes")
    if form.is_valid():
        try:
            codes = two_factor.recovery_codes_regenerate(
                user=user,
                password=form.cleaned_data["password"],
                code=form.cleaned_data["code"],
                client=ClientInfo.from_request(request),
            )
        except (InvalidInput, NotAllowed, RateLimited) as exc:
            form.add_domain_error(exc)
            return with_form_error(_page(request, user, 400, codes_form=form), exc)
        messages.success(request, "New recovery codes: the old ones no longer work.")
        return _page(request, user, recovery_codes=codes)
    return _page(request, user, 400, codes_form=form)
