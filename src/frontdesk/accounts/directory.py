"""Staff sign-in with their directory password (LDAP, through django-auth-ldap), on every way
in that takes a password: the sign-in page, SupportMe's ``POST /login`` and the admin all ask
``user_check_credentials``, which asks here when the desk's own password did not match.

Only staff sign in this way: the directory's agent and admin groups (FRONTDESK_LDAP_*_GROUPS)
are the access rule, checked at every sign-in, and the role follows them, under the same
last-admin rule as the admin pages. A person is linked by their entry's DN (an ``SsoIdentity``
with the server as issuer); a first sign-in joins an existing account only when it is staff
or carries the directory's address, so a customer who registered a name that a colleague
has in the directory never becomes that colleague. Needs the ``ldap`` extra
(``pip install 'frontdesk[ldap]'``); docs/sso.md, "Directory sign-in (LDAP)".
"""

from __future__ import annotations

import logging
from typing import Any

import ldap
from django.conf import settings
from django.db import IntegrityError, transaction
from django_auth_ldap.backend import LDAPBackend
from django_auth_ldap.config import LDAPGroupQuery, LDAPSearch, MemberDNGroupType

from frontdesk.accounts.models import STAFF_ROLES, Role, SsoIdentity, User
from frontdesk.core.clock import now
from frontdesk.core.errors import DomainError, NotAllowed

logger = logging.getLogger(__name__)

NOT_LINKED = "The name {name} belongs to an account here that is not this directory entry's."
NO_EMAIL = "The directory entry {dn} has no email address."
DEACTIVATED = "This account is deactivated."


def directory_configured() -> bool:
    return bool(settings.FRONTDESK_LDAP_SERVER_URI)


def _issuer() -> str:
    return f"ldap:{settings.FRONTDESK_LDAP_SERVER_URI}"


def user_from_directory(*, username: str, dn: str, email: str | None, role: str) -> User:
    """The account a directory entry signs in as, made or joined on its first sign-in, with
    its role brought in line with the directory's groups."""
    from frontdesk.accounts.services import email_checked_free, user_set_role

    with transaction.atomic():
        identity = (
            SsoIdentity.objects.select_for_update()
            .select_related("user")
            .filter(issuer=_issuer(), subject=dn)
            .first()
        )
        user = identity.user if identity else User.objects.filter(username__iexact=username).first()
        if identity is None and user is not None:
            same_person = user.role in STAFF_ROLES or (email or "").lower() == user.email.lower()
            if not same_person:
                raise NotAllowed(NOT_LINKED.format(name=username))
        if user is None:
            if not email:
                raise NotAllowed(NO_EMAIL.format(dn=dn))
            email = email_checked_free(email=email)
            user = User(username=username, email=email, role=role, email_verified_at=now())
            user.set_unusable_password()
            try:
                with transaction.atomic():
                    user.save()
            except IntegrityError:
                raise NotAllowed(NOT_LINKED.format(name=username)) from None
        if user.is_system or not user.is_active:
            raise NotAllowed(DEACTIVATED)
        if user.role != role:
            user_set_role(actor=None, user=user, role=role)  # the last admin stays: refused
        if identity is None:
            SsoIdentity.objects.create(user=user, issuer=_issuer(), subject=dn)
        else:
            identity.last_signed_in_at = now()
            identity.save(update_fields=["last_signed_in_at"])
    return user


def _library_settings() -> dict[str, Any]:
    """django-auth-ldap's settings, made from Frontdesk's (settings.py): the library reads
    nothing of its own from the settings module."""
    staff_groups = [*settings.FRONTDESK_LDAP_ADMIN_GROUPS, *settings.FRONTDESK_LDAP_AGENT_GROUPS]
    required = None
    for group in staff_groups:
        required = LDAPGroupQuery(group) if required is None else required | LDAPGroupQuery(group)
    return {
        "SERVER_URI": settings.FRONTDESK_LDAP_SERVER_URI,
        "BIND_DN": settings.FRONTDESK_LDAP_BIND_DN,
        "BIND_PASSWORD": settings.FRONTDESK_LDAP_BIND_PASSWORD,
        "START_TLS": settings.FRONTDESK_LDAP_START_TLS,
        "CONNECTION_OPTIONS": {
            ldap.OPT_NETWORK_TIMEOUT: settings.FRONTDESK_LDAP_TIMEOUT,
            ldap.OPT_TIMEOUT: settings.FRONTDESK_LDAP_TIMEOUT,
            ldap.OPT_REFERRALS: 0,
        },
        "USER_SEARCH": LDAPSearch(
            settings.FRONTDESK_LDAP_USER_BASE,
            ldap.SCOPE_SUBTREE,
            settings.FRONTDESK_LDAP_USER_FILTER,
        ),
        "GROUP_SEARCH": LDAPSearch(
            settings.FRONTDESK_LDAP_GROUP_BASE,
            ldap.SCOPE_SUBTREE,
            settings.FRONTDESK_LDAP_GROUP_FILTER,
        ),
        "GROUP_TYPE": MemberDNGroupType(member_attr=settings.FRONTDESK_LDAP_GROUP_MEMBER_ATTRIBUTE),
        # Nobody outside the staff groups gets past the directory (nor an account here).
        "REQUIRE_GROUP": required,
        "USER_ATTR_MAP": {},
        "ALWAYS_UPDATE_USER": False,
    }


class StaffDirectoryBackend(LDAPBackend):
    # Nothing named AUTH_LDAP_* is read: the library's settings are made from Frontdesk's.
    settings_prefix = "FRONTDESK_LDAP_LIBRARY_"

    def __init__(self) -> None:
        super().__init__()
        self.default_settings = _library_settings()

    def get_or_build_user(self, username: str, ldap_user: Any) -> tuple[User, bool]:
        groups = {dn.lower() for dn in ldap_user.group_dns}
        admins = {dn.lower() for dn in settings.FRONTDESK_LDAP_ADMIN_GROUPS}
        role = Role.ADMIN if groups & admins else Role.AGENT
        email = (ldap_user.attrs or {}).get(settings.FRONTDESK_LDAP_EMAIL_ATTRIBUTE, [None])[0]
        user = user_from_directory(username=username, dn=ldap_user.dn, email=email, role=role)
        return user, False  # made and saved already: the library has nothing to build


def directory_sign_in(*, username: str, password: str) -> User | None:
    """The staff account these directory credentials sign in as, or None (wrong password,
    not in a staff group, the directory away, or refused here: the reason goes to the log)."""
    if not directory_configured() or not password:
        return None
    try:
        user: User | None = StaffDirectoryBackend().authenticate(
            None, username=username, password=password
        )
    except DomainError as exc:
        logger.warning("directory sign-in of %r refused: %s", username, exc.message)
        return None
    return user
