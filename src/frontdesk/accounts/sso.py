"""Single sign-on: who a person an OpenID Connect provider vouches for is at the desk, and in
which role. The provider proves identity (accounts/oidc.py checks its tokens); the rules of
what that identity may do here live once, in this module:

- a person the provider named before (its issuer and ``sub``) is the same account again,
  whatever their address has become since;
- otherwise an existing account is linked only when the provider says it verified the address
  (an unverified claim of someone else's address would be an account takeover);
- otherwise a new account is made, without a password, as the customer accounts from mail are;
- the role follows the provider's role claim at every sign-in, so removing someone from the
  support group at the provider takes their staff rights away at their next sign-in. With no
  role claim configured, roles stay Frontdesk's own and only existing staff or, when allowed,
  customers get in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_noop

from frontdesk.accounts.models import STAFF_ROLES, Role, SsoIdentity, User
from frontdesk.accounts.services import customer_create_from_sign_on, user_set_role
from frontdesk.core.clock import now
from frontdesk.core.errors import InvalidInput, NotAllowed

# Words for the person signing in, said in their language on the sign-in page.
NOT_FOR_YOU = gettext_noop(
    "Your account at %(name)s does not give you access to this help desk. "
    "Ask an admin to add you to the support group."
)
NO_EMAIL = gettext_noop(
    "%(name)s did not tell us your email address, so we cannot sign you in. Ask an admin."
)
NO_SUBJECT = gettext_noop(
    "%(name)s did not say who you are (no subject), so we cannot sign you in."
)
EMAIL_UNVERIFIED = gettext_noop(
    "An account with the address %(email)s already exists here, and %(name)s has not verified "
    "that this address is yours. Sign in with your password instead, or ask an admin."
)
DEACTIVATED = gettext_noop("This account is deactivated. Ask an admin to activate it again.")


@dataclass(frozen=True)
class SsoConfig:
    name: str
    issuer: str
    client_id: str
    role_claim: str
    admin_values: frozenset[str]
    agent_values: frozenset[str]
    customers_allowed: bool


def sso_config() -> SsoConfig | None:
    """The provider as configured (settings.py, docs/sso.md); None when sign-on is off."""
    if not settings.OIDC_RP_CLIENT_ID:
        return None
    return SsoConfig(
        name=settings.FRONTDESK_OIDC_NAME,
        issuer=settings.FRONTDESK_OIDC_ISSUER,
        client_id=settings.OIDC_RP_CLIENT_ID,
        role_claim=settings.FRONTDESK_OIDC_ROLE_CLAIM,
        admin_values=frozenset(settings.FRONTDESK_OIDC_ADMIN_VALUES),
        agent_values=frozenset(settings.FRONTDESK_OIDC_AGENT_VALUES),
        customers_allowed=settings.FRONTDESK_OIDC_CUSTOMERS,
    )


def _claim_values(claims: Mapping[str, Any], name: str) -> set[str]:
    value = claims.get(name)
    if isinstance(value, str):
        return {value}
    if isinstance(value, list | tuple):
        return {item for item in value if isinstance(item, str)}
    return set()


def role_from_claims(claims: Mapping[str, Any], config: SsoConfig) -> str | None:
    """The role the provider gives; None when it gives none at the desk. Admin wins over agent."""
    values = _claim_values(claims, config.role_claim)
    if values & config.admin_values:
        return Role.ADMIN
    if values & config.agent_values:
        return Role.AGENT
    return Role.CUSTOMER if config.customers_allowed else None


def _account_for_new_identity(claims: Mapping[str, Any], config: SsoConfig) -> User:
    email = claims.get("email")
    if not isinstance(email, str) or not email.strip():
        raise InvalidInput(NO_EMAIL, values={"name": config.name}, field="email")
    email = email.strip().lower()
    existing = User.objects.filter(email__iexact=email).first()
    if existing is not None:
        if claims.get("email_verified") is not True:
            raise NotAllowed(EMAIL_UNVERIFIED, values={"email": email, "name": config.name})
        return existing
    names = (claims.get(key) for key in ("preferred_username", "name", "given_name"))
    name = next((n for n in names if isinstance(n, str) and n.strip()), email.partition("@")[0])
    user = customer_create_from_sign_on(email=email, name=name)
    if claims.get("email_verified") is True:
        user.email_verified_at = now()
        user.save(update_fields=["email_verified_at"])
    return user


def user_from_sso_claims(*, claims: Mapping[str, Any]) -> User:
    """The account the provider's verified ``claims`` sign in as (linked or made on the first
    sign-in), with its role brought in line with the provider's. Raises InvalidInput or
    NotAllowed, with words for the person, when they may not sign in."""
    config = sso_config()
    if config is None:
        raise NotAllowed(gettext_noop("Single sign-on is not set up on this desk."))
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject:
        raise InvalidInput(NO_SUBJECT, values={"name": config.name})
    role = role_from_claims(claims, config) if config.role_claim else None
    if config.role_claim and role is None:
        raise NotAllowed(NOT_FOR_YOU, values={"name": config.name})
    with transaction.atomic():
        identity = (
            SsoIdentity.objects.select_for_update()
            .select_related("user")
            .filter(issuer=config.issuer, subject=subject)
            .first()
        )
        user = identity.user if identity else _account_for_new_identity(claims, config)
        if user.is_system or not user.is_active:
            raise NotAllowed(DEACTIVATED)
        if role is None and user.role not in STAFF_ROLES and not config.customers_allowed:
            raise NotAllowed(NOT_FOR_YOU, values={"name": config.name})
        if role is not None and user.role != role:
            user_set_role(actor=None, user=user, role=role)  # the last admin stays: refused
        if identity is None:
            SsoIdentity.objects.create(user=user, issuer=config.issuer, subject=subject)
        else:
            identity.last_signed_in_at = now()
            identity.save(update_fields=["last_signed_in_at"])
    return user
