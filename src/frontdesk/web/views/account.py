"""Sign in, register, log out and the profile page (Django session sign-in)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from frontdesk.accounts import api_tokens, sessions, two_factor
from frontdesk.accounts import services as accounts
from frontdesk.accounts.models import USER_ICONS, AfterSend, ProfileIcon, User
from frontdesk.accounts.sso import sso_config
from frontdesk.core import clock
from frontdesk.core.errors import DomainError, InvalidInput, NotAllowed, NotFound, RateLimited
from frontdesk.notifications.preferences import preferences_of
from frontdesk.teams.selectors import agent_status_for
from frontdesk.teams.services import agent_set_available
from frontdesk.web.customer_forms import LanguageForm, TimeZoneForm
from frontdesk.web.forms import ApiTokenForm, LoginForm, PageForm, ProfileForm, RegisterForm
from frontdesk.web.notification_forms import NotificationSettingsForm
from frontdesk.web.pages import current_user, not_found, page_methods, with_form_error

HOME = "/home"
LOGGED_OUT = gettext_noop("You have been logged out.")
BACKEND = "frontdesk.accounts.backends.UsernameOrEmailBackend"


def _after_sign_in(request: HttpRequest) -> str:
    """Where to go once signed in: the page that asked for it (``?next=``), else home."""
    target = request.GET.get("next", "")
    safe = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    if safe and target.startswith("/") and target not in ("/login", "/logout", "/register"):
        return target
    return HOME


after_sign_in = _after_sign_in  # the second step (web/views/two_factor.py) ends the same way


def _sign_in(request: HttpRequest, user: User) -> None:
    login(request, user, backend=BACKEND)


def _refused(
    request: HttpRequest, template: str, form: PageForm, exc: DomainError | None
) -> HttpResponse:
    """The form again with its errors: 400 when the form itself refused, else the error's
    status (429 with ``Retry-After`` when rate limited)."""
    response = render(request, template, {"form": form, "sso": sso_config()}, status=400)
    return with_form_error(response, exc) if exc is not None else response


@page_methods
@never_cache
def login_page(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect(_after_sign_in(request))
    if request.method != "POST":
        # session.js comes here when the time is up. The notice comes from the address, so
        # however often the browser arrives it is said once, and not at all when the timeout
        # middleware has just ended the session and said so itself.
        expired = "expired" in request.GET and not getattr(request, "session_expired_now", False)
        notice = sessions.expiry_message() if expired else None
        return render(
            request,
            "web/login.html",
            {"form": LoginForm(), "notice": notice, "sso": sso_config()},
        )
    form = LoginForm(request.POST)
    refusal: DomainError | None = None
    if form.is_valid():
        try:
            user = accounts.user_authenticate(
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password"],
                client=sessions.ClientInfo.from_request(request),
            )
        except (InvalidInput, RateLimited) as exc:
            form.add_domain_error(exc)
            refusal = exc
        else:
            if two_factor.sign_in_second_step(request.session, user):
                # Not signed in yet: the code comes next (accounts/two_factor.py).
                target = request.GET.get("next", "")
                return redirect(
                    f"/login/code?{urlencode({'next': target})}" if target else "/login/code"
                )
            _sign_in(request, user)
            return redirect(_after_sign_in(request))
    return _refused(request, "web/login.html", form, refusal)


@page_methods
@never_cache
def register_page(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect(HOME)
    if request.method != "POST":
        return render(request, "web/register.html", {"form": RegisterForm()})
    form = RegisterForm(request.POST)
    refusal: DomainError | None = None
    if form.is_valid():
        data = form.cleaned_data
        try:
            user = accounts.user_register(
                username=data["username"],
                email=data["email"],
                password=data["password"],
                client=sessions.ClientInfo.from_request(request),
            )
        except (InvalidInput, RateLimited) as exc:
            form.add_domain_error(exc)
            refusal = exc
        else:
            _sign_in(request, user)
            messages.success(
                request, _("Welcome to Frontdesk, %(name)s.") % {"name": user.username}
            )
            return redirect(HOME)
    return _refused(request, "web/register.html", form, refusal)


@page_methods
@never_cache
def logout_page(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        logout(request)
        messages.success(request, _(LOGGED_OUT))
        return redirect("/login")
    if not request.user.is_authenticated:
        return redirect("/login")
    return render(request, "web/logout.html")


def _profile(
    request: HttpRequest,
    user: User,
    form: ProfileForm,
    chosen: str,
    status: int,
    **extra: Any,
) -> HttpResponse:
    icons = [*USER_ICONS, ProfileIcon.ADMIN] if user.is_admin else list(USER_ICONS)
    context = {
        "form": form,
        "icon_choices": [(icon.value, icon.label) for icon in icons],
        "chosen_icon": chosen,
        "preview_url": (
            f"/profile-icons/{chosen}.png" if chosen in icons else user.profile_icon_url
        ),
        "browser_sessions": sessions.sessions_active_for(user),
        "current_session_hash": sessions.key_hash(request.session.session_key),
        "session_timeout_minutes": sessions.session_timeout() // 60,
        "api_tokens": api_tokens.api_tokens_listed_for(user),
        "token_form": ApiTokenForm(),
        "time_zone_form": TimeZoneForm(initial={"time_zone": user.time_zone}),
        "language_form": LanguageForm(initial={"language": user.language}),
        "after_send_choices": AfterSend.choices,
        "agent_status": agent_status_for(user=user) if user.is_staff_member else None,
        **extra,
    }
    if "notifications_form" not in context:
        context["notifications_form"] = NotificationSettingsForm(preferences=preferences_of(user))
    return render(request, "web/profile.html", context, status=status)


def profile_with(request: HttpRequest, user: User, status: int, **extra: Any) -> HttpResponse:
    """The profile page with one section's form (and its errors) in ``extra``."""
    return _profile(request, user, ProfileForm(), user.profile_icon, status, **extra)


@page_methods
@never_cache
@login_required
def profile_page(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    if request.method != "POST":
        return _profile(request, user, ProfileForm(), user.profile_icon, 200)
    form = ProfileForm(request.POST)
    chosen = request.POST.get("profile_icon", "")
    if form.is_valid():
        data = form.cleaned_data
        try:
            accounts.user_update_profile(
                user=user,
                old_password=data["old_password"],
                new_password=data["new_password"],
                profile_icon=data["profile_icon"],
                session_key=request.session.session_key,
                keep_api_tokens=data["keep_api_tokens"],
                client=sessions.ClientInfo.from_request(request),
            )
        except (InvalidInput, NotAllowed, RateLimited) as exc:
            form.add_domain_error(exc)
            if isinstance(exc, RateLimited):
                response = _profile(request, user, form, chosen, 400)
                return with_form_error(response, exc)
        else:
            update_session_auth_hash(request, user)  # a new password keeps this session
            messages.success(request, _("Your profile has been saved."))
            return redirect("/profile")
    return _profile(request, user, form, chosen, 400)


@never_cache
@require_POST
@login_required
def profile_session_end(request: HttpRequest, user_session_id: int) -> HttpResponse:
    user = current_user(request)
    try:
        ended = sessions.session_revoke(
            actor=user, user_session_id=user_session_id, current_key=request.session.session_key
        )
    except NotFound as exc:
        return not_found(request, exc.said())  # someone else's, or already ended
    except InvalidInput as exc:
        messages.error(request, exc.said())
    else:
        messages.success(
            request, _("Signed out %(device)s.") % {"device": ended.device or _("that device")}
        )
    return redirect("/profile#sessions")


@never_cache
@require_POST
@login_required
def profile_sessions_end_others(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    count = sessions.sessions_revoke_others(actor=user, current_key=request.session.session_key)
    if count:
        messages.success(request, _("Signed out %(count)s other session(s).") % {"count": count})
    else:
        messages.info(request, _("You had no other sessions."))
    return redirect("/profile#sessions")


@never_cache
@require_POST
@login_required
def profile_token_create(request: HttpRequest) -> HttpResponse:
    """Make a token and show it on this one answer: it is never shown (or stored) again."""
    user = current_user(request)
    form = ApiTokenForm(request.POST)
    if form.is_valid():
        days = form.cleaned_data["expires_in_days"]
        try:
            token, plaintext = api_tokens.api_token_create(
                user=user,
                name=form.cleaned_data["name"],
                scope=form.cleaned_data["scope"],
                expires_at=clock.now() + timedelta(days=days) if days else None,
                password=form.cleaned_data["password"],
                client=sessions.ClientInfo.from_request(request),
            )
        except (InvalidInput, NotAllowed, RateLimited) as exc:
            form.add_domain_error(exc)
        else:
            extra = {"new_token": token, "new_token_plaintext": plaintext}
            return _profile(request, user, ProfileForm(), user.profile_icon, 200, **extra)
    return _profile(request, user, ProfileForm(), user.profile_icon, 400, token_form=form)


@never_cache
@require_POST
@login_required
def profile_token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    user = current_user(request)
    try:
        token = api_tokens.api_token_revoke(actor=user, token_id=token_id)
    except NotFound as exc:
        return not_found(request, exc.said())
    messages.success(request, gettext("Revoked the token “%(name)s”.") % {"name": token.name})
    return redirect("/profile#api-tokens")


@never_cache
@require_POST
@login_required
def profile_time_zone(request: HttpRequest) -> HttpResponse:
    """Choose the time zone times are shown in. The browser also sends its own zone on its
    own (``auto``), answered in JSON; that one is kept only while no zone is chosen."""
    user = current_user(request)
    form = TimeZoneForm(request.POST)
    auto = request.POST.get("auto") == "1"
    if form.is_valid():
        try:
            accounts.user_set_time_zone(
                actor=user,
                user=user,
                time_zone=form.cleaned_data["time_zone"],
                only_if_unset=auto,
            )
        except InvalidInput as exc:
            form.add_domain_error(exc)
        else:
            if auto:
                return JsonResponse({"time_zone": user.time_zone})
            zone = user.time_zone or _("your browser's time zone")
            messages.success(request, _("Times are now shown in %(zone)s.") % {"zone": zone})
            return redirect("/profile#time-zone")
    if auto:
        return JsonResponse({"error": next(iter(form.errors.values()))[0]}, status=400)
    return _profile(request, user, ProfileForm(), user.profile_icon, 400, time_zone_form=form)


@never_cache
@require_POST
@login_required
def profile_language(request: HttpRequest) -> HttpResponse:
    """Choose the language of the pages and of the mail this user receives."""
    user = current_user(request)
    form = LanguageForm(request.POST)
    if form.is_valid():
        try:
            accounts.user_set_language(
                actor=user, user=user, language=form.cleaned_data["language"]
            )
        except InvalidInput as exc:
            form.add_domain_error(exc)
        else:
            if user.language:
                translation.activate(user.language)  # the message below in the new language
            else:
                translation.activate(translation.get_language_from_request(request))
            messages.success(request, _("Your language is saved."))
            return redirect("/profile#language")
    return _profile(request, user, ProfileForm(), user.profile_icon, 400, language_form=form)


@never_cache
@require_POST
@login_required
def profile_availability(request: HttpRequest) -> HttpResponse:
    """Available for new tickets from automatic assignment, or away (agents)."""
    user = current_user(request)
    available = request.POST.get("available") == "1"
    try:
        agent_set_available(actor=user, available=available)
    except DomainError as exc:
        messages.error(request, exc.said())
    else:
        messages.success(
            request, "You are available for new tickets." if available else "You are away."
        )
    return redirect("/profile#availability")


@never_cache
@require_POST
@login_required
def profile_after_send(request: HttpRequest) -> HttpResponse:
    """Where the ticket page goes after a reply (agents): the next ticket, or stay."""
    user = current_user(request)
    try:
        accounts.user_set_after_send(user=user, after_send=request.POST.get("after_send", ""))
    except InvalidInput as exc:
        messages.error(request, exc.said())
    else:
        messages.success(request, gettext("Saved: what happens after you send a reply."))
    return redirect("/profile#after-send")
