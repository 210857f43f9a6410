"""The profile page's notification choices: one box per kind the user can receive and, for
agents, the digest. The form only parses; notifications/preferences.py checks and stores."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy

from frontdesk.notifications.kinds import DIGEST_CHOICES
from frontdesk.notifications.preferences import Preferences
from frontdesk.web.forms import PageForm

DIGEST_HINT = (
    "With a digest, the mails above come together, at most one an hour or one a day; "
    "each waits at most that long."
)
DIGEST_INVALID = "Choose no digest, hourly or daily."


class NotificationSettingsForm(PageForm):
    def __init__(self, *args: Any, preferences: Preferences, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind_names = [kind.name for kind, _ in preferences.kinds]
        for kind, enabled in preferences.kinds:
            self.fields[kind.name] = forms.BooleanField(
                label=gettext_lazy(kind.label),
                help_text=gettext_lazy(kind.hint),
                required=False,
                initial=enabled,
            )
        if preferences.user.is_staff_member:
            self.fields["digest"] = forms.ChoiceField(
                label="Digest",
                help_text=DIGEST_HINT,
                choices=[(str(value), label) for value, label in DIGEST_CHOICES],
                initial=preferences.digest,
                widget=forms.RadioSelect,
                error_messages={"required": DIGEST_INVALID, "invalid_choice": DIGEST_INVALID},
            )

    def kind_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.kind_names]

    def choices(self) -> tuple[dict[str, bool], str | None]:
        """What was chosen: each kind on or off, and the digest (None for a customer)."""
        data = self.cleaned_data
        return {name: bool(data[name]) for name in self.kind_names}, data.get("digest")
