"""Account use cases: register, sign in, edit profile, change role, details and activation.

Every rule and permission check for accounts lives here; the JSON API, the pages and the
command line call these functions and only translate their answers.
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Mapping
from functools import cache
from typing import Any
from zoneinfo import available_timezones

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_noop

from frontdesk.accounts import api_tokens, validators, verification
from frontdesk.accounts.models import (
    STAFF_ROLES,
    SYSTEM_USER_ID,
    USER_ICONS,
    AfterSend,
    CustomerNote,
    Organisation,
    Role,
    SsoIdentity,
    User,
)
from frontdesk.accounts.sessions import (
    ClientInfo,
    device_label,
    password_check_failed_record,
    password_recheck,
    sessions_end_for,
    sign_in_failed_record,
)
from frontdesk.accounts.tokens import TokenId, token_of, token_version_bump
from frontdesk.core import ratelimit
from frontdesk.core.clock import now
from frontdesk.core.errors import DomainError, InvalidInput, NotAllowed
from frontdesk.core.ids import is_id
from frontdesk.core.text import is_storable_text
from frontdesk.notifications.kinds import PASSWORD_CHANGED

LOGIN_FAILED = gettext_noop("A user with the supplied username and password was not found.")
USERNAME_TAKEN = gettext_noop("That username is already taken.")
EMAIL_TAKEN = gettext_noop("A user is already registered with that email address.")
WRONG_PASSWORD = gettext_noop("Incorrect password was provided.")
LAST_ADMIN = gettext_noop("This is the last admin; promote another account first.")
SYSTEM_UNCHANGEABLE = gettext_noop("The System account cannot be changed.")
NO_SUCH_ORGANISATION = gettext_noop("There is no such organisation.")


def user_register(
    *, username: str, email: str, password: str, client: ClientInfo | None = None
) -> User:
    """Create a customer account (SupportMe's ``create_user``). Registrations are limited per
    address of ``client`` (none from the command line); one refused by a rule is not counted."""
    hits = ratelimit.limits_hit((ratelimit.REGISTER_IP, client.ip if client else None))
    try:
        user = _user_register(username=username, email=email, password=password)
    except DomainError:
        ratelimit.limits_release(hits)
        raise
    # The address is proved by the link this mails (accounts/verification.py).
    with transaction.atomic():
        verification.verification_send(user=user)
    return user


def _user_register(*, username: str, email: str, password: str) -> User:
    """The checks in the seed's order, then the account."""
    validators.check_username(username)
    validators.check_password(password)
    email = email.strip().lower()
    validators.check_email(email)
    _check_not_taken({"username": username, "email": email})
    user = User(
        username=username,
        email=email,
        role=Role.CUSTOMER,
        profile_icon=random.choice(USER_ICONS),
    )
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        # Two registrations raced past the checks above; the constraint decided.
        _check_not_taken({"username": username, "email": email})
        raise
    return user


def user_check_credentials(*, username: str, password: str) -> User | None:
    """The active, sign-in-capable user with these credentials, or None (in equal time)."""
    user = None
    if is_storable_text(username) and len(username) <= 254:
        lookup = (
            {"email__lower": username.lower()}
            if "@" in username
            else {"username__lower": username.lower()}
        )
        user = User.objects.filter(**lookup).first()
    if user is None or not user.has_usable_password():
        # Hash anyway, so a failed sign-in costs the same time whether or not the username
        # exists (no user enumeration by timing); Django's ModelBackend does the same.
        make_password(password)
    elif user.check_password(password):  # upgrades an outdated hash on success
        return user if user.is_active and not user.is_system else None
    if settings.FRONTDESK_LDAP_SERVER_URI:
        # Staff whose password is the directory's (accounts/directory.py); imported here
        # because it needs python-ldap, which only desks with a directory install.
        from frontdesk.accounts.directory import directory_sign_in

        return directory_sign_in(
            username=username, password=password, account_for=user_from_directory
        )
    return None


def user_authenticate(*, username: str, password: str, client: ClientInfo | None = None) -> User:
    """The user for these credentials; a failure goes to the session audit trail.

    Failed attempts are limited per address and per name tried (RateLimited); a successful
    one gives its reservation back, so only failures count."""
    client = client or ClientInfo()
    hits = sign_in_limits_hit(username=username, client=client)
    user = user_check_credentials(username=username, password=password)
    if user is None:
        sign_in_failed_record(username=username, client=client)
        raise InvalidInput(LOGIN_FAILED)
    ratelimit.limits_release(hits)
    User.objects.filter(pk=user.pk).update(last_login=now())
    return user


def sign_in_limits_hit(*, username: str, client: ClientInfo) -> list[ratelimit.Hit]:
    """Reserve one sign-in attempt for the address and the account tried: a name or an
    address (any case) that belongs to an account counts as that account, so "alice" and
    "alice@example.com" share one bucket; a name that belongs to none counts on its own."""
    return ratelimit.limits_hit(
        (ratelimit.SIGN_IN_IP, client.ip),
        (ratelimit.SIGN_IN_USERNAME, _sign_in_identity(username)),
    )


def _sign_in_identity(username: str) -> str:
    if not is_storable_text(username):
        return f"name:{username!r}"[:260]
    name = username.strip().lower()[:254]
    field = "email__lower" if "@" in name else "username__lower"
    account = User.objects.filter(**{field: name}).values_list("pk", flat=True).first()
    return ratelimit.account_key(account) if account is not None else f"name:{name}"


def user_update_profile(
    *,
    user: User,
    old_password: str,
    new_password: str,
    profile_icon: str,
    session_key: str | None = None,
    keep_api_tokens: bool = False,
    client: ClientInfo | None = None,
) -> User:
    """Change password and/or picture; the current password is always required.

    The current password is checked under the sign-in limits (per address and per account,
    RateLimited), reserved before any hashing, so guessing it is no faster than signing in;
    a wrong one goes to the audit trail. An empty ``new_password`` keeps the current one
    (SupportMe's rule). A new one ends every other session and JWT, and the API tokens unless
    ``keep_api_tokens`` (:func:`_password_changed`); the browser session ``session_key``, or
    the JWT the user was authenticated with (accounts/tokens.py), keeps working.
    """
    client = client or ClientInfo()
    if not password_recheck(user, old_password, client):
        password_check_failed_record(user=user, client=client)
        raise NotAllowed(WRONG_PASSWORD, field="old_password")
    if new_password:
        validators.check_password(new_password, field="new_password")
    validators.check_profile_icon(profile_icon, is_admin=user.is_admin)
    fields = ["profile_icon"]
    user.profile_icon = profile_icon
    with transaction.atomic():
        if new_password:
            user.set_password(new_password)
            fields.append("password")
        user.save(update_fields=fields)
        if new_password:
            _password_changed(
                user,
                actor=user,
                session_key=session_key,
                keep_token=token_of(user),
                keep_api_tokens=keep_api_tokens,
                client=client,
            )
    return user


def _password_changed(
    user: User,
    *,
    actor: User | None,
    session_key: str | None = None,
    keep_token: TokenId | None = None,
    keep_api_tokens: bool = False,
    client: ClientInfo | None = None,
) -> None:
    """After a new password (in its transaction): end every other browser session, every JWT
    but ``keep_token``, the API tokens unless kept, and tell the user by mail (a security mail:
    it cannot be turned off)."""
    from frontdesk.notifications.outbox import outbox_enqueue

    client = client or ClientInfo()
    token_version_bump(
        user, keep=keep_token, actor=actor, ip=client.ip, user_agent=client.user_agent
    )
    ended = sessions_end_for(user, actor=actor, keep_key=session_key)
    revoked = 0 if keep_api_tokens else api_tokens.api_tokens_revoke_all(user)
    if user.email:
        outbox_enqueue(
            kind=PASSWORD_CHANGED,
            recipient=user,
            data={
                "changed_at": now().isoformat(),
                "ip": client.ip or "",
                "device": device_label(client.user_agent) if client.user_agent else "",
                "by_admin": actor is not None and actor.pk != user.pk,
                "sessions_ended": ended,
                "api_tokens_revoked": revoked,
                "api_tokens_kept": keep_api_tokens,
                "contact": settings.DEFAULT_FROM_EMAIL,
            },
        )


def user_set_after_send(*, user: User, after_send: str) -> User:
    """Where ``user``'s ticket page goes after a reply: the next ticket of their list, or
    nowhere. A preference of the user's own, so no password is asked for."""
    if after_send not in AfterSend.values:
        raise InvalidInput(
            gettext_noop("Choose what happens after sending from the list."), field="after_send"
        )
    user.after_send = after_send
    user.save(update_fields=["after_send"])
    return user


def _check_not_last_admin(user: User, *, field: str | None = None) -> None:
    """Refuse to take away the last active admin (inside the caller's transaction). The lock
    on the admins makes two of them demoting or deactivating each other at once end with one
    still in place."""
    admins = User.objects.select_for_update().filter(role=Role.ADMIN, is_active=True)
    if not admins.exclude(pk=user.pk).exists():
        raise InvalidInput(LAST_ADMIN, field=field)


def user_set_role(*, actor: User | None, user: User, role: str) -> User:
    """Promote or demote an account. ``actor`` None is the server administrator (CLI)."""
    if actor is not None and not actor.is_admin:
        raise NotAllowed(gettext_noop("Only an admin can change account roles."))
    if role not in (Role.CUSTOMER, Role.AGENT, Role.ADMIN):
        raise InvalidInput(
            gettext_noop("Unknown role %(role)s: use customer, agent or admin."),
            values={"role": repr(role)},
            field="role",
        )
    if user.is_system:
        raise NotAllowed(SYSTEM_UNCHANGEABLE)
    with transaction.atomic():
        if user.role == Role.ADMIN and role != Role.ADMIN:
            _check_not_last_admin(user)
        user.role = role
        user.save(update_fields=["role"])
    return user


def user_set_active(*, actor: User, user: User, active: bool) -> User:
    """Deactivate an account (it can no longer sign in, and its sessions and API tokens stop
    working) or activate it again. Admins only; never the last active admin, nor System."""
    if not actor.is_admin:
        raise NotAllowed(gettext_noop("Only an admin can activate or deactivate accounts."))
    if user.is_system:
        raise NotAllowed(SYSTEM_UNCHANGEABLE, field="is_active")
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if locked.is_active != active:
            if not active and locked.role == Role.ADMIN:
                _check_not_last_admin(locked, field="is_active")
            locked.is_active = active
            locked.save(update_fields=["is_active"])
            if not active:  # its JWTs and browser sessions end now, not at their next use
                token_version_bump(locked, actor=actor)
                sessions_end_for(locked, actor=actor)
    user.is_active = active
    user.token_version = locked.token_version
    return user


# What user_update_details changes; role and activation have their own use cases.
USER_DETAILS = frozenset({"username", "email", "profile_icon", "organisation"})


def _text(value: object, field: str) -> str:
    if not isinstance(value, str):
        raise InvalidInput(
            gettext_noop("The %(field)s must be text."),
            values={"field": field.replace("_", " ")},
            field=field,
        )
    return value


def _checked_details(user: User, changes: Mapping[str, Any]) -> dict[str, Any]:
    """The values to store, by attribute, each checked by the rule registration uses."""
    refused = sorted(set(changes) - USER_DETAILS)
    if refused:
        raise InvalidInput(
            gettext_noop("These fields cannot be changed this way: %(fields)s."),
            values={"fields": ", ".join(refused)},
            field=refused[0],
        )
    values: dict[str, Any] = {}
    if "username" in changes:
        username = _text(changes["username"], "username")
        validators.check_username(username)
        values["username"] = username
    if "email" in changes:
        email = _text(changes["email"], "email").strip().lower()
        validators.check_email(email)
        values["email"] = email
    if "profile_icon" in changes:
        icon = _text(changes["profile_icon"], "profile_icon")
        validators.check_profile_icon(icon, is_admin=user.role == Role.ADMIN)
        values["profile_icon"] = icon
    if "organisation" in changes:
        organisation_id = changes["organisation"]
        if organisation_id is not None and not (
            isinstance(organisation_id, int)
            and not isinstance(organisation_id, bool)
            and is_id(organisation_id)
            and Organisation.objects.filter(pk=organisation_id).exists()
        ):
            raise InvalidInput(NO_SUCH_ORGANISATION, field="organisation")
        values["organisation_id"] = organisation_id
    return values


def _check_not_taken(values: Mapping[str, Any], *, other_than: User | None = None) -> None:
    """Refuse a username or an email address (in ``values``) that another account has, in
    any case."""
    others = User.objects.exclude(pk=other_than.pk) if other_than else User.objects.all()
    if "username" in values and others.filter(username__lower=values["username"].lower()).exists():
        raise InvalidInput(USERNAME_TAKEN, field="username")
    if "email" in values and others.filter(email__lower=values["email"].lower()).exists():
        raise InvalidInput(EMAIL_TAKEN, field="email")


def user_update_details(*, actor: User, user: User, changes: Mapping[str, Any]) -> User:
    """An admin corrects an account's username, email, picture or organisation (by id, or
    None), all or nothing, under the rules registration uses: names and addresses stay
    unique whatever their case. A field that cannot be changed this way is refused."""
    if not actor.is_admin:
        raise NotAllowed(gettext_noop("Only an admin can change another account's details."))
    if user.is_system:
        raise NotAllowed(SYSTEM_UNCHANGEABLE)
    values = _checked_details(user, changes)
    _check_not_taken(values, other_than=user)
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        changed = [name for name, value in values.items() if getattr(locked, name) != value]
        for name in changed:
            setattr(locked, name, values[name])
        try:
            with transaction.atomic():
                locked.save(update_fields=changed)
        except IntegrityError:
            _check_not_taken(values, other_than=user)  # another account took it since: say which
            raise
    for name, value in values.items():
        setattr(user, name, value)
    return user


def user_create_admin(*, username: str, email: str, password: str) -> User:
    """Create an admin account (the ``createadmin`` command)."""
    user = _user_register(username=username, email=email, password=password)
    user.role = Role.ADMIN
    user.profile_icon = "admin"
    # Given by whoever runs the server: no link to confirm it.
    user.email_verified_at = now()
    user.save(update_fields=["role", "profile_icon", "email_verified_at"])
    return user


def user_set_password(
    *,
    actor: User | None,
    user: User,
    new_password: str,
    keep_api_tokens: bool = False,
    client: ClientInfo | None = None,
) -> User:
    """Set a password without the old one: for admins, the server administrator (CLI) and a
    password reset (``actor`` None). Every session and JWT of ``user`` ends, and its API
    tokens unless ``keep_api_tokens``; the user is told by mail (:func:`_password_changed`)."""
    if actor is not None and not actor.is_admin:
        raise NotAllowed(gettext_noop("Only an admin can set another account's password."))
    if user.is_system:
        raise NotAllowed(gettext_noop("The System account cannot sign in."))
    validators.check_password(new_password)
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        _password_changed(user, actor=actor, keep_api_tokens=keep_api_tokens, client=client)
    return user


def system_user_ensure() -> User:
    """The System user (id 0). Migrations create it; this restores it after a database
    flush (tests) or a hand-made deletion."""
    user, _ = User.objects.get_or_create(
        pk=SYSTEM_USER_ID,
        defaults={
            "username": "System",
            "email": "system@frontdesk.invalid",
            "password": "!",
            "role": Role.SYSTEM,
            "profile_icon": "admin",
        },
    )
    return user


# --- customers that agents look after: phone-ins, the shared note, time zones --------------

PHONE_IN_STAFF_ONLY = gettext_noop("Only agents can add a customer for someone who called.")
NAME_NEEDED = gettext_noop("Enter the caller's name.")
NAME_MAX = 100
NAME_INVALID = gettext_noop(
    "Enter a name of at most %(limit)s characters, without control characters."
)
USERNAME_FALLBACK = "customer"
NOTE_STAFF_ONLY = gettext_noop("Only agents can write notes about customers.")
NOTE_MAX = 5000
NOTE_TOO_LONG = gettext_noop("A note about a customer can be at most %(limit)s characters.")
TIME_ZONE_UNKNOWN = gettext_noop("Choose a time zone from the list, for example Europe/London.")
TIME_ZONE_NOT_YOURS = gettext_noop("You can only change your own time zone.")
LANGUAGE_NOT_YOURS = gettext_noop("You can only change your own language.")


def _username_base(name: str) -> str:
    """The name in plain ASCII letters and digits, as short as a username must be:
    "María López" is "MariaLopez"."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    letters = "".join(char for char in ascii_name if char.isalnum())
    return letters[: validators.USERNAME_MAX] or USERNAME_FALLBACK


def _free_username(base: str) -> str:
    """``base``, or ``base`` with the lowest number after it that no account has (any case)."""
    taken = {
        name.lower()
        for name in User.objects.filter(username__istartswith=base[:8]).values_list(
            "username", flat=True
        )
    }
    for number in range(1, 10_000):
        suffix = "" if number == 1 else str(number)
        candidate = base[: validators.USERNAME_MAX - len(suffix)] + suffix
        if candidate.lower() not in taken:
            return candidate
    return f"{USERNAME_FALLBACK}{random.randrange(10**6, 10**7)}"


def customer_create_for_phone_in(*, actor: User, name: str, email: str) -> User:
    """A customer account for someone who called or came in and has none (agents and admins).
    The username comes from ``name`` (letters and digits, made unique); the address must be
    valid and not in use. No password is set: the customer can claim the account later by
    resetting the password for that address."""
    if not actor.is_staff_member:
        raise NotAllowed(PHONE_IN_STAFF_ONLY)
    name = " ".join(_text(name, "name").split())
    if not name:
        raise InvalidInput(NAME_NEEDED, field="name")
    if len(name) > NAME_MAX or not is_storable_text(name):
        raise InvalidInput(NAME_INVALID, values={"limit": NAME_MAX}, field="name")
    email = _text(email, "email").strip().lower()
    validators.check_email(email)
    _check_not_taken({"email": email})
    return _customer_without_password(email=email, base=_username_base(name), field="name")


def _customer_without_password(*, email: str, base: str, field: str) -> User:
    """A customer account with a free username made from ``base`` and no password, for an
    address already checked (valid, not in use)."""
    for _attempt in range(3):
        user = User(
            username=_free_username(base),
            email=email,
            role=Role.CUSTOMER,
            profile_icon=random.choice(USER_ICONS),
        )
        user.set_unusable_password()
        try:
            with transaction.atomic():
                user.save()
        except IntegrityError:
            _check_not_taken({"email": email})  # the address was taken meanwhile: say so
            continue  # the username was: choose again
        return user
    raise InvalidInput(USERNAME_TAKEN, field=field)


def customer_create_from_mail(*, email: str, name: str = "") -> User:
    """A customer account for someone who wrote to the desk by mail and has none (the mail
    intake; no actor). The username comes from the mail's display name, or from the address
    when the name is empty or names the desk itself (a display name such as "Support" is the
    oldest trick in spoofed mail); the address must be valid and not in use. No password is
    set: the person claims the account by resetting the password for that address."""
    email = _text(email, "email").strip().lower()
    validators.check_email(email)
    _check_not_taken({"email": email})
    name = " ".join(_text(name, "name").split())
    local = email.partition("@")[0]
    if not name or "@" in name or _username_base(name).lower() in _DESK_NAMES:
        name = local
    return _customer_without_password(email=email, base=_username_base(name), field="email")


def email_checked_free(*, email: str) -> str:
    """``email`` in lower case, once it is a valid address no account uses (else InvalidInput)."""
    email = _text(email, "email").strip().lower()
    validators.check_email(email)
    _check_not_taken({"email": email})
    return email


def customer_create_from_sign_on(*, email: str, name: str) -> User:
    """A customer account for someone a single sign-on provider vouches for, on their first
    sign-in (accounts/sso.py decides when): named after ``name`` (made unique), no password."""
    email = email_checked_free(email=email)
    return _customer_without_password(email=email, base=_username_base(name), field="email")


DIRECTORY_NOT_LINKED = gettext_noop(
    "The name %(name)s belongs to an account here that is not this directory entry's."
)
DIRECTORY_NO_EMAIL = gettext_noop("The directory entry %(dn)s has no email address.")
DIRECTORY_DEACTIVATED = gettext_noop("This account is deactivated.")


def user_from_directory(*, username: str, dn: str, email: str | None, role: str) -> User:
    """The account a directory entry signs in as, made or joined on its first sign-in, with
    its role brought in line with the directory's groups (accounts/directory.py asks, after
    the directory accepted the password and found the entry in a staff group). A first
    sign-in joins an existing account of that name only when it is staff or carries the
    entry's address: a customer who registered the name never becomes the colleague."""
    issuer = f"ldap:{settings.FRONTDESK_LDAP_SERVER_URI}"
    with transaction.atomic():
        identity = (
            SsoIdentity.objects.select_for_update()
            .select_related("user")
            .filter(issuer=issuer, subject=dn)
            .first()
        )
        user = identity.user if identity else User.objects.filter(username__iexact=username).first()
        if identity is None and user is not None:
            same_person = user.role in STAFF_ROLES or (email or "").lower() == user.email.lower()
            if not same_person:
                raise NotAllowed(DIRECTORY_NOT_LINKED, values={"name": username})
        if user is None:
            if not email:
                raise NotAllowed(DIRECTORY_NO_EMAIL, values={"dn": dn})
            email = email_checked_free(email=email)
            user = User(username=username, email=email, role=role, email_verified_at=now())
            user.set_unusable_password()
            try:
                with transaction.atomic():
                    user.save()
            except IntegrityError:
                raise NotAllowed(DIRECTORY_NOT_LINKED, values={"name": username}) from None
        if user.is_system or not user.is_active:
            raise NotAllowed(DIRECTORY_DEACTIVATED)
        if user.role != role:
            user_set_role(actor=None, user=user, role=role)  # the last admin stays: refused
        if identity is None:
            SsoIdentity.objects.create(user=user, issuer=issuer, subject=dn)
        else:
            identity.last_signed_in_at = now()
            identity.save(update_fields=["last_signed_in_at"])
    return user


# Display names a stranger's account is never named after.
_DESK_NAMES = frozenset(
    {"support", "helpdesk", "frontdesk", "system", "admin", "administrator", "postmaster", "staff"}
)


def customer_note_set(*, actor: User, customer: User, text: str) -> CustomerNote:
    """Replace what agents note about ``customer`` (agents and admins; never shown to the
    customer). The note keeps who changed it last and when."""
    if not actor.is_staff_member:
        raise NotAllowed(NOTE_STAFF_ONLY)
    if customer.is_system:
        raise NotAllowed(SYSTEM_UNCHANGEABLE)
    text = _text(text, "text").strip()
    if not is_storable_text(text):
        raise InvalidInput(
            gettext_noop("The note contains characters that cannot be stored."), field="text"
        )
    if len(text) > NOTE_MAX:
        raise InvalidInput(NOTE_TOO_LONG, values={"limit": NOTE_MAX}, field="text")
    with transaction.atomic():
        note, _ = CustomerNote.objects.select_for_update().get_or_create(customer=customer)
        if note.text != text or note.updated_by_id is None:
            note.text, note.updated_by, note.updated_at = text, actor, now()
            note.save(update_fields=["text", "updated_by", "updated_at"])
    return note


@cache
def time_zone_names() -> frozenset[str]:
    """Every IANA time zone name this system knows ("Europe/London")."""
    return frozenset(available_timezones())


def check_time_zone(name: str) -> str:
    """``name`` if it is a known IANA zone, or empty (the browser's zone); else InvalidInput."""
    name = _text(name, "time_zone").strip()
    if name and name not in time_zone_names():
        raise InvalidInput(TIME_ZONE_UNKNOWN, field="time_zone")
    return name


def check_language(code: str) -> str:
    """``code`` if it is one of settings.LANGUAGES, or empty (the browser's); else InvalidInput."""
    code = _text(code, "language").strip()
    if code and code not in {lang for lang, _name in settings.LANGUAGES}:
        raise InvalidInput(gettext_noop("Choose a language from the list."), field="language")
    return code


def user_set_language(*, actor: User, user: User, language: str) -> User:
    """The language ``user``'s pages and mail are in (their own choice; empty: the
    browser's for pages, English for mail)."""
    if actor.pk != user.pk:
        raise NotAllowed(LANGUAGE_NOT_YOURS)
    language = check_language(language)
    with transaction.atomic():
        if user.language != language:
            user.language = language
            user.save(update_fields=["language"])
    return user


def user_set_time_zone(
    *, actor: User, user: User, time_zone: str, only_if_unset: bool = False
) -> User:
    """The zone the pages show ``user``'s times in (their own choice; empty: the browser's).
    ``only_if_unset``: what a browser reports on its own never overrides a choice made."""
    if actor.pk != user.pk:
        raise NotAllowed(TIME_ZONE_NOT_YOURS)
    time_zone = check_time_zone(time_zone)
    if only_if_unset:
        User.objects.filter(pk=user.pk, time_zone="").update(time_zone=time_zone)
        user.refresh_from_db(fields=["time_zone"])
        return user
    if user.time_zone != time_zone:
        user.time_zone = time_zone
        user.save(update_fields=["time_zone"])
    return user
