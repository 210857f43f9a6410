"""Staff sign-in with their directory password (LDAP, through django-auth-ldap), on every way
in that takes a password: the sign-in page, SupportMe's ``POST /login`` and the admin all ask
``user_check_credentials``, which asks here when the desk's own password did not match.

This module is the library's glue: only staff get past the directory (its agent and admin
groups, FRONTDESK_LDAP_*_GROUPS, are required at every sign-in), and the role their groups
give goes to the one rule of which account that is, ``user_from_directory`` in
accounts/services.py (linked by the entry's DN; never a customer's account of the same name).
The library's own account making, which matches by username alone, is not used. Needs the
``ldap`` extra
(``pip install 'frontdesk[ldap]'``); docs/sso.md, "Directory sign-in (LDAP)".
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import ldap
from django.conf import settings
from django_auth_ldap.backend import LDAPBackend
from django_auth_ldap.config import LDAPGroupQuery, LDAPSearch, MemberDNGroupType

from frontdesk.accounts.models import Role, User
from frontdesk.core.errors import DomainError

logger = logging.getLogger(__name__)


def directory_configured() -> bool:
    return bool(settings.FRONTDESK_LDAP_SERVER_URI)


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


# What the sign-in's rule (accounts/services.py, user_from_directory) is given: the entry's
# username, DN, address and the role its groups give; it answers with the account or raises.
AccountRule = Callable[..., User]


class StaffDirectoryBackend(LDAPBackend):
    # Nothing named AUTH_LDAP_* is read: the library's settings are made from Frontdesk's.
    settings_prefix = "FRONTDESK_LDAP_LIBRARY_"

    def __init__(self, account_for: AccountRule) -> None:
        super().__init__()
        self.default_settings = _library_settings()
        self.account_for = account_for

    def get_or_build_user(self, username: str, ldap_user: Any) -> tuple[User, bool]:
        groups = {dn.lower() for dn in ldap_user.group_dns}
        admins = {dn.lower() for dn in settings.FRONTDESK_LDAP_ADMIN_GROUPS}
        role = Role.ADMIN if groups & admins else Role.AGENT
        email = (ldap_user.attrs or {}).get(settings.FRONTDESK_LDAP_EMAIL_ATTRIBUTE, [None])[0]
        user = self.account_for(username=username, dn=ldap_user.dn, email=email, role=role)
        return user, False  # made and saved already: the library has nothing to build


def directory_sign_in(*, username: str, password: str, account_for: AccountRule) -> User | None:
    """The staff account these directory credentials sign in as, or None (wrong password,
    not in a staff group, the directory away, or refused here: the reason goes to the log)."""
    if not directory_configured() or not password:
        return None
    try:
        user: User | None = StaffDirectoryBackend(account_for).authenticate(
            None, username=username, password=password
        )
    except DomainError as exc:
        logger.warning("directory sign-in of %r refused: %s", username, exc.message)
        return None
    return user
