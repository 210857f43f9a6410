"""People: customers, agents, admins, and the System user that writes system messages."""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_noop

from frontdesk.core import clock
from frontdesk.core.clock import now

SYSTEM_USER_ID = 0


class Role(models.TextChoices):
    CUSTOMER = "customer", gettext_noop("Customer")
    AGENT = "agent", gettext_noop("Agent")
    ADMIN = "admin", gettext_noop("Admin")
    SYSTEM = "system", gettext_noop("System")


STAFF_ROLES = frozenset({Role.AGENT, Role.ADMIN})


class ProfileIcon(models.TextChoices):
    BLUE = "blue", gettext_noop("Blue")
    GREEN = "green", gettext_noop("Green")
    PURPLE = "purple", gettext_noop("Purple")
    RED = "red", gettext_noop("Red")
    ADMIN = "admin", gettext_noop("Admin")


USER_ICONS = (ProfileIcon.BLUE, ProfileIcon.GREEN, ProfileIcon.PURPLE, ProfileIcon.RED)


class Organisation(models.Model):
    """A customer's company; optional on users and tickets."""

    name = models.CharField(max_length=200)
    domain = models.CharField(max_length=253, blank=True)
    created_at = models.DateTimeField(default=now)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(Lower("name"), name="organisation_name_ci_unique")
        ]
        ordering: ClassVar = ["name"]

    def __str__(self) -> str:
        return self.name


class UserManager(BaseUserManager["User"]):
    def get_by_natural_key(self, username: str | None) -> User:
        return self.get(username__lower=(username or "").lower())

    def create_user(
        self, username: str, email: str, password: str | None = None, **fields: Any
    ) -> User:
        user = self.model(username=username, email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(
        self, username: str, email: str, password: str | None = None, **fields: Any
    ) -> User:
        fields.setdefault("role", Role.ADMIN)
        fields.setdefault("profile_icon", ProfileIcon.ADMIN)
        return self.create_user(username, email, password, **fields)


class AfterSend(models.TextChoices):
    """Where an agent's ticket page goes once a reply is sent."""

    NEXT = "next", gettext_noop("Open the next ticket of the list I came from")
    STAY = "stay", gettext_noop("Stay on the ticket")


class User(AbstractBaseUser):
    username = models.CharField(max_length=150)
    email = models.EmailField(max_length=254)
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.CUSTOMER)
    profile_icon = models.CharField(
        max_length=16, choices=ProfileIcon.choices, default=ProfileIcon.BLUE
    )
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="members"
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=now)
    # An IANA zone name ("Europe/Berlin") the pages show times in; empty: not chosen yet (the
    # pages then use the server's zone until the browser tells its own). The database
    # default lets the column be added in place.
    time_zone = models.CharField(max_length=64, blank=True, default="", db_default="")
    # The language the pages and this user's mail are in ("en", "es": settings.LANGUAGES);
    # empty: not chosen (pages follow the browser's Accept-Language, mail is in English).
    language = models.CharField(max_length=8, blank=True, default="", db_default="")
    after_send = models.CharField(max_length=8, choices=AfterSend.choices, default=AfterSend.NEXT)
    # Email verification (accounts/verification.py): when the address was proved by a link
    # mailed to it (None: not yet), and an address asked for that takes effect once proved.
    email_verified_at = models.DateTimeField(null=True, blank=True)
    email_pending = models.EmailField(max_length=254, blank=True, default="", db_default="")

    # SupportMe JWTs carry the version they were issued at (claim ``ver``); bumping it ends
    # every one issued before (accounts/tokens.py). The JWT that caused the last bump (its
    # ``jti`` and the version it carries) stays valid: the client that changed its password
    # keeps working. Empty: no token is kept.
    token_version = models.PositiveIntegerField(default=0, db_default=0)
    token_kept_jti = models.CharField(max_length=32, blank=True, default="", db_default="")
    token_kept_version = models.PositiveIntegerField(default=0, db_default=0)

    objects = UserManager()

    USERNAME_FIELD = "username"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = ["email"]

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(Lower("username"), name="user_username_ci_unique"),
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
        ]
        indexes: ClassVar = [models.Index(fields=["role"], name="user_role_idx")]

    def __str__(self) -> str:
        return self.username

    @property
    def is_staff_member(self) -> bool:
        """An agent or an admin: someone who works tickets."""
        return self.role in STAFF_ROLES and self.is_active

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN and self.is_active

    @property
    def is_system(self) -> bool:
        return self.role == Role.SYSTEM

    # Django admin asks these; only admins get in, with every permission.
    @property
    def is_staff(self) -> bool:
        return self.is_admin

    @property
    def is_superuser(self) -> bool:
        return self.is_admin

    def has_perm(self, perm: str, obj: object = None) -> bool:
        return self.is_admin

    def has_module_perms(self, app_label: str) -> bool:
        return self.is_admin

    @property
    def profile_icon_url(self) -> str:
        return f"/profile-icons/{self.profile_icon}.png"


class SessionEventKind(models.TextChoices):
    SIGN_IN = "sign_in", gettext_noop("Signed in")
    SIGN_OUT = "sign_out", gettext_noop("Signed out")
    FAILED_SIGN_IN = "failed_sign_in", gettext_noop("Failed sign-in")
    EXPIRED = "expired", gettext_noop("Expired (inactivity)")
    REVOKED = "revoked", gettext_noop("Ended from another device")
    TWO_FACTOR_ENROLLED = "2fa_enrolled", gettext_noop("Two-factor turned on")
    TWO_FACTOR_DISABLED = "2fa_disabled", gettext_noop("Two-factor turned off")
    TWO_FACTOR_FAILED = "2fa_failed", gettext_noop("Wrong two-factor code")
    RECOVERY_CODE_USED = "2fa_recovery", gettext_noop("Recovery code used")

    RESET_REQUESTED = "reset_requested", gettext_noop("Password reset requested")
    RESET_USED = "reset_used", gettext_noop("Password reset used")

    TOKENS_ENDED = "tokens_ended", gettext_noop("Every older token ended (token version bumped)")

    PASSWORD_CHECK_FAILED = "password_failed", gettext_noop("Wrong current password")


class SessionEvent(models.Model):
    """The session audit trail. Never holds a session key: only its SHA-256."""

    kind = models.CharField(max_length=16, choices=SessionEventKind.choices)
    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="session_events"
    )
    # Who ended the session, for "revoked" (the user themselves, or an admin).
    actor = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    username_tried = models.CharField(max_length=254, blank=True)
    session_key_hash = models.CharField(max_length=64, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    new_location = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=now)

    class Meta:
        ordering: ClassVar = ["-created_at", "-id"]
        indexes: ClassVar = [
            models.Index(fields=["user", "kind", "created_at"], name="sessionevent_user_idx"),
            models.Index(fields=["created_at"], name="sessionevent_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.user or self.username_tried} {self.created_at}"


class UserSession(models.Model):
    """One signed-in browser, for the "your sessions" list on the profile page."""

    session_key_hash = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="browser_sessions")
    created_at = models.DateTimeField(default=now)
    last_seen_at = models.DateTimeField(default=now)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    device = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering: ClassVar = ["-last_seen_at", "-id"]
        indexes: ClassVar = [
            models.Index(fields=["user", "last_seen_at"], name="usersession_user_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user} on {self.device or 'unknown device'}"


class ApiTokenScope(models.TextChoices):
    READ = "read", gettext_noop("Read only")
    READ_WRITE = "read_write", gettext_noop("Read and write")


class ApiToken(models.Model):
    """A personal API token. Only the SHA-256 of its secret is kept; the token itself
    (``fd_<prefix>_<secret>``) is shown once, when it is made."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=60)
    prefix = models.CharField(max_length=8)
    token_hash = models.CharField(max_length=64, unique=True)
    scope = models.CharField(max_length=16, choices=ApiTokenScope.choices)
    created_at = models.DateTimeField(default=now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["-created_at", "-id"]
        indexes: ClassVar = [
            models.Index(fields=["user", "revoked_at"], name="apitoken_user_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name} (fd_{self.prefix}…)"

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= clock.now()

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and not self.is_expired


class CustomerNote(models.Model):
    """What agents know about a customer ("prefers calls after 6 pm"), shared between agents
    and never shown to the customer. One per customer; who changed it last and when."""

    customer = models.OneToOneField(User, on_delete=models.CASCADE, related_name="staff_note")
    text = models.TextField(blank=True)
    updated_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(default=now)

    def __str__(self) -> str:
        return f"Note about {self.customer}"


class TwoFactor(models.Model):
    """A user's TOTP authenticator (accounts/two_factor.py). The row exists from the start of
    enrolment; it counts only once ``confirmed_at`` is set (the first code was right). The
    secret is sealed with a key derived from SECRET_KEY, never stored as it is."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="two_factor")
    secret_sealed = models.CharField(max_length=200)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # The last TOTP time step accepted: a code of that step or an earlier one is refused, so a
    # code seen over someone's shoulder cannot be used again.
    last_step = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(default=now)

    def __str__(self) -> str:
        return f"Two-factor of {self.user}"

    @property
    def is_active(self) -> bool:
        return self.confirmed_at is not None


class RecoveryCode(models.Model):
    """One single-use recovery code: only its SHA-256 is kept; the code is shown once."""

    two_factor = models.ForeignKey(
        TwoFactor, on_delete=models.CASCADE, related_name="recovery_codes"
    )
    code_hash = models.CharField(max_length=64)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes: ClassVar = [
            models.Index(fields=["two_factor", "code_hash"], name="recoverycode_lookup_idx"),
        ]

    def __str__(self) -> str:
        return f"Recovery code of {self.two_factor.user}"


class PasswordResetToken(models.Model):
    """A "forgot password" link (accounts/recovery.py). Only the SHA-256 of its secret is
    kept; the link works once, for an hour, and only while the password is the one it was
    issued under (``password_fingerprint``: the SHA-256 of the password hash at issue)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="reset_tokens")
    token_hash = models.CharField(max_length=64, unique=True)
    password_fingerprint = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=now)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["-created_at", "-id"]
        indexes: ClassVar = [
            models.Index(fields=["user", "used_at"], name="resettoken_user_idx"),
        ]

    def __str__(self) -> str:
        return f"Password reset for {self.user} at {self.created_at}"


class SsoIdentity(models.Model):
    """A person's account at an OpenID Connect provider, linked to their Frontdesk account:
    the provider's ``iss`` and ``sub`` name them for good, whatever their address becomes
    (accounts/sso.py)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="sso_identities")
    issuer = models.CharField(max_length=255)
    subject = models.CharField(max_length=255)
    created_at = models.DateTimeField(default=now)
    last_signed_in_at = models.DateTimeField(default=now)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["issuer", "subject"], name="sso_identity_unique")
        ]

    def __str__(self) -> str:
        return f"{self.subject} at {self.issuer}"
