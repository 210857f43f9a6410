"""Admin site for accounts: list, search, promote/demote through the same service as the CLI,
correct an account's details and (de)activate it through theirs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext, gettext_noop, ngettext, pgettext
from django.utils.translation import gettext_lazy as _

from frontdesk.accounts.api_tokens import api_token_revoke
from frontdesk.accounts.models import (
    ApiToken,
    Organisation,
    Role,
    SessionEvent,
    User,
    UserSession,
)
from frontdesk.accounts.services import (
    USER_DETAILS,
    sign_in_limits_hit,
    user_set_active,
    user_set_role,
    user_update_details,
)
from frontdesk.accounts.sessions import ClientInfo, session_revoke
from frontdesk.accounts.two_factor import two_factor_is_on
from frontdesk.core import ratelimit
from frontdesk.core.admin import ReadOnlyAdmin, ServiceAdmin, ServiceForm, apply_to_each
from frontdesk.core.errors import RateLimited

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class RateLimitedAdminLoginForm(AdminAuthenticationForm):
    """The admin's sign-in form under the same sign-in limits as the pages and the JSON API
    (per address and per name; only failures count)."""

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username")
        if username is None or not self.cleaned_data.get("password"):
            return super().clean()
        client = ClientInfo.from_request(self.request)
        try:
            hits = sign_in_limits_hit(username=username, client=client)
        except RateLimited as exc:
            raise ValidationError(exc.said(), code="rate_limited") from None
        data = super().clean()  # a failure raises here and keeps its reservation
        ratelimit.limits_release(hits)
        if two_factor_is_on(self.get_user()):
            # The page at /admin/login/ sends to /login; only a form posted here directly
            # gets this far, and a password alone must not sign in.
            raise ValidationError(gettext(TWO_FACTOR_SIGN_IN), code="two_factor")
        return data


admin.site.login_form = RateLimitedAdminLoginForm
TWO_FACTOR_SIGN_IN = gettext_noop("This account uses two-factor authentication: sign in at /login.")


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    """Plain: an organisation carries no rule but its case-insensitive unique name, which the
    form checks through the model's constraint."""

    list_display = ("name", "domain", "created_at")
    search_fields = ("name", "domain")
    readonly_fields = ("created_at",)


# Whole sentences, one per role, so that each can be translated as a sentence.
ACTION_DESCRIPTIONS: dict[str, StrOrPromise] = {
    Role.CUSTOMER: _("Make selected accounts customers"),
    Role.AGENT: _("Make selected accounts agents"),
    Role.ADMIN: _("Make selected accounts admins"),
}


def _set_role_action(role: str) -> Any:
    def action(modeladmin: UserAdmin, request: HttpRequest, queryset: QuerySet[User]) -> None:
        apply_to_each(
            modeladmin,
            request,
            queryset,
            lambda user: user_set_role(actor=request.user, user=user, role=role),  # type: ignore[arg-type]
            lambda n: (
                ngettext(
                    "%(count)d account is now %(role)s.", "%(count)d accounts are now %(role)s.", n
                )
                % {"count": n, "role": pgettext("model", Role(role).label)}
            ),
        )

    action.__name__ = f"make_{role}"
    return admin.action(description=ACTION_DESCRIPTIONS[role])(action)


class UserForm(ServiceForm):
    """Saved by user_update_details (username, email, picture, organisation, with the
    registration rules) and user_set_active (never the last active admin)."""

    def apply(self) -> None:
        changed = self.changed_data
        details = {name: self.cleaned_data[name] for name in changed if name in USER_DETAILS}
        if "organisation" in details:
            organisation = details["organisation"]
            details["organisation"] = None if organisation is None else organisation.pk
        if details:
            user_update_details(actor=self.actor, user=self.instance, changes=details)
        if "is_active" in changed:
            user_set_active(
                actor=self.actor, user=self.instance, active=self.cleaned_data["is_active"]
            )


@admin.register(User)
class UserAdmin(ServiceAdmin):
    list_display = ("username", "email", "role", "organisation", "is_active", "created_at")
    list_filter = ("role", "is_active")
    search_fields = ("username", "email")
    autocomplete_fields = ("organisation",)
    ordering = ("-created_at",)
    form = UserForm
    # Role changes go through the service (last-admin rule, System protection), not the form.
    readonly_fields = ("role", "password_state", "signs_in_through", "last_login", "created_at")
    fields = (
        "username",
        "email",
        "role",
        "profile_icon",
        "organisation",
        "is_active",
        "password_state",
        "signs_in_through",
        "last_login",
        "created_at",
    )

    @admin.display(description=_("Password"))
    def password_state(self, user: User) -> str:
        # Never the hash itself: it is an offline-cracking target and tells an admin nothing.
        if user.has_usable_password():
            return gettext("Set")
        return gettext("None (cannot sign in with a password)")

    @admin.display(description=_("Signs in through"))
    def signs_in_through(self, user: User) -> str:
        # Single sign-on and directory links (accounts/sso.py, accounts/directory.py).
        linked = user.sso_identities.values_list("issuer", "subject")
        return (
            "; ".join(
                gettext("%(issuer)s as %(subject)s") % {"issuer": issuer, "subject": subject}
                for issuer, subject in linked
            )
            or "-"
        )

    actions = [
        _set_role_action(Role.CUSTOMER),
        _set_role_action(Role.AGENT),
        _set_role_action(Role.ADMIN),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        return (
            super().get_queryset(request).exclude(role=Role.SYSTEM).select_related("organisation")
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # accounts come from registration, import or `frontdesk createadmin`

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        # An account's tickets and messages keep its name: deactivate it instead, which
        # user_set_active refuses for the last active admin.
        return False


@admin.register(SessionEvent)
class SessionEventAdmin(ReadOnlyAdmin):
    """The session audit trail: written by the sign-in signals and the session services."""

    list_display = ("created_at", "kind", "user", "username_tried", "ip", "new_location", "actor")
    list_filter = ("kind", "new_location", "created_at")
    search_fields = ("user__username", "username_tried", "ip", "user_agent")
    list_select_related = ("user", "actor")
    date_hierarchy = "created_at"
    ordering = ("-created_at", "-id")


@admin.action(description=_("End the selected sessions"))
def _end_sessions(
    modeladmin: UserSessionAdmin, request: HttpRequest, queryset: QuerySet[UserSession]
) -> None:
    apply_to_each(
        modeladmin,
        request,
        queryset,
        lambda row: session_revoke(actor=request.user, user_session_id=row.pk),  # type: ignore[arg-type]
        lambda n: (
            ngettext("Ended %(count)d session.", "Ended %(count)d sessions.", n) % {"count": n}
        ),
    )


@admin.register(UserSession)
class UserSessionAdmin(ReadOnlyAdmin):
    list_display = ("user", "device", "ip", "created_at", "last_seen_at")
    search_fields = ("user__username", "ip", "device")
    list_select_related = ("user",)
    actions = [_end_sessions]


@admin.action(description=_("Revoke the selected API tokens"))
def _revoke_tokens(
    modeladmin: ApiTokenAdmin, request: HttpRequest, queryset: QuerySet[ApiToken]
) -> None:
    apply_to_each(
        modeladmin,
        request,
        queryset,
        lambda token: api_token_revoke(actor=request.user, token_id=token.pk),  # type: ignore[arg-type]
        lambda n: (
            ngettext("Revoked %(count)d token.", "Revoked %(count)d tokens.", n) % {"count": n}
        ),
    )


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    """Personal API tokens: never the secret (only its hash is stored, and not shown)."""

    list_display = (
        "name",
        "user",
        "prefix",
        "scope",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
    )
    list_filter = ("scope", "revoked_at")
    search_fields = ("user__username", "name", "prefix")
    list_select_related = ("user",)
    fields = (
        "user",
        "name",
        "prefix",
        "scope",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
    )
    actions = [_revoke_tokens]
