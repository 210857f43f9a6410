"""The page forms. They only parse what the browser sent and carry errors back to the page;
every rule is checked by the services, whose errors land next to the matching field. A form
with files keeps them across an error through tickets/staging.py (KeepsFilesForm)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.forms.renderers import Jinja2 as Jinja2Renderer
from django.utils.formats import number_format
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from frontdesk.accounts.models import ApiTokenScope, User
from frontdesk.accounts.validators import PASSWORD_MAX, PASSWORD_MIN, USERNAME_MAX
from frontdesk.core.errors import DomainError, InvalidInput
from frontdesk.core.ids import parse_id
from frontdesk.core.text import with_unix_line_breaks
from frontdesk.fields.models import FieldDefinition
from frontdesk.tickets.files import files_hint, human_size, max_bytes, max_files
from frontdesk.tickets.filters import (
    CHOOSE_AGENT,
    TICKET_FILTERS,
    UNASSIGNED,
    WORKSPACE_FILTERS,
    TicketFilter,
    is_dynamic_name,
)
from frontdesk.tickets.models import StagedUpload
from frontdesk.tickets.selectors import (
    SEARCH_MAX_LENGTH,
    AgentName,
    WorkspaceSort,
    WorkspaceView,
)
from frontdesk.tickets.staging import (
    staged_upload_create,
    staged_upload_open,
    staged_uploads_discard,
    staged_uploads_of,
)
from frontdesk.tickets.texts import CATEGORY_WORDS, PRIORITY_WORDS, STATUS_WORDS
from frontdesk.tickets.validators import (
    MESSAGE_MAX,
    RESOLUTION_MAX,
    TITLE_MAX,
)
from frontdesk.web.field_forms import add_fields, add_filter_fields, sent_values

PASSWORDS_DIFFER = _("Passwords do not match.")
UNKNOWN_ACTION = "That action is not available."
# The rules as hints, in the page's language (accounts/validators.py and
# tickets/validators.py keep the English ones).
USERNAME_HINT_SHOWN = format_lazy(
    _("Letters and digits only, at most {max} characters."), max=USERNAME_MAX
)
PASSWORD_HINT_SHOWN = format_lazy(
    _("Between {min} and {max} characters."), min=PASSWORD_MIN, max=PASSWORD_MAX
)
TITLE_HINT_SHOWN = format_lazy(
    _("Up to {max} characters: any letters, digits, punctuation or symbols."), max=TITLE_MAX
)
MESSAGE_HINT_SHOWN = format_lazy(
    _("Up to {max} characters. Line breaks are kept; links become clickable."),
    max=lazy(lambda: number_format(MESSAGE_MAX, force_grouping=True), str)(),  # 65,536 / 65.536
)

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class PageForm(forms.Form):
    """Errors are ours (shown next to the field), not the browser's pop-ups."""

    use_required_attribute = False

    def add_domain_error(self, exc: DomainError) -> None:
        """Show a service's error next to its field, or above the form."""
        field = exc.field if exc.field in self.fields else None
        # In the page's language when the catalogue has the service's words (web/texts.py).
        self.add_error(field, exc.said())


def _text(
    label: StrOrPromise, *, hint: StrOrPromise = "", required: StrOrPromise = "", **attrs: str
) -> forms.CharField:
    return forms.CharField(
        label=label,
        help_text=hint,
        required=bool(required),
        error_messages={"required": required},
        widget=forms.TextInput(attrs=attrs),
    )


def _password(
    label: StrOrPromise,
    *,
    hint: StrOrPromise = "",
    required: StrOrPromise = "",
    autocomplete: str,
) -> Any:
    return forms.CharField(
        label=label,
        help_text=hint,
        required=bool(required),
        strip=False,
        error_messages={"required": required},
        widget=forms.PasswordInput(attrs={"autocomplete": autocomplete}),
    )


class MessageField(forms.CharField):
    """A textarea's text. An HTML form sends each line break as ``\r\n``: kept as ``\n``, as
    the page counted it."""

    def to_python(self, value: Any) -> str:
        return with_unix_line_breaks(super().to_python(value) or "")


def _message(label: StrOrPromise, *, rows: int) -> forms.CharField:
    # Not required here: the service answers a blank message in its own words. The limit is
    # shown as a hint and counted by composer-limits.js, not enforced with maxlength, which
    # would cut a pasted text short without a word.
    return MessageField(
        label=label,
        help_text=MESSAGE_HINT_SHOWN,
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": rows, "data-max-length": str(MESSAGE_MAX)}),
    )


class IdField(forms.CharField):
    """An id typed or chosen in a form, parsed by core.ids (``"²"`` is not one); empty is
    None."""

    def __init__(self, *, invalid: str, **kwargs: Any) -> None:
        self.invalid = invalid
        super().__init__(required=False, **kwargs)

    def to_python(self, value: Any) -> int | None:  # type: ignore[override]
        text = super().to_python(value)
        if not text:
            return None
        try:
            return parse_id(text, field=str(self.label or "id"), message=self.invalid)
        except InvalidInput as exc:
            raise forms.ValidationError(exc.said()) from None


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class FilesField(forms.Field):
    """Any number of files (``<input type="file" multiple>``), as a list. The attachment
    service checks how many, how big and what they are."""

    widget = MultipleFileInput

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(required=False, **kwargs)

    def to_python(self, value: Any) -> list[UploadedFile]:
        if isinstance(value, list | tuple):
            return [item for item in value if isinstance(item, UploadedFile)]
        return [value] if isinstance(value, UploadedFile) else []


def _files() -> FilesField:
    # Added in __init__, not declared: a class attribute "files" would hide Form.files.
    # Lazy: the hint reads the limits when the page is drawn, so settings can move them.
    # The data- attributes let composer-limits.js refuse a file before it is uploaded.
    limits = {
        "data-max-bytes": str(max_bytes()),
        "data-max-size": human_size(max_bytes()),
        "data-max-files": str(max_files()),
    }
    return FilesField(
        label=_("Attach files (optional)"),
        help_text=lazy(files_hint, str)(),
        widget=MultipleFileInput(attrs=limits),
    )


class TokensField(forms.Field):
    """Tokens of files kept from an earlier try (hidden inputs or checkboxes), as a list."""

    widget = forms.MultipleHiddenInput

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(required=False, **kwargs)

    def to_python(self, value: Any) -> list[str]:
        values = value if isinstance(value, list | tuple) else [value]
        return [item for item in values if isinstance(item, str) and item]


class KeepsFilesForm(PageForm):
    """A form with a file picker whose files survive an error: the page that shows the error
    keeps them (tickets/staging.py) and offers them again, each with a Remove checkbox, so
    they are sent with the next try unless removed. ``kept`` is what the page lists."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["files"] = _files()
        self.fields["kept_files"] = TokensField()
        self.fields["remove_files"] = TokensField()
        self.kept: list[StagedUpload] = []
        self._opened: list[UploadedFile] = []

    def _posted(self, name: str) -> list[str]:
        value = self[name].value()
        return [item for item in value if isinstance(item, str)] if value else []

    def _kept_tokens(self) -> list[str]:
        removed = set(self._posted("remove_files"))
        return [token for token in self._posted("kept_files") if token not in removed]

    def files_to_send(self, user: User) -> list[UploadedFile]:
        """The files kept from earlier tries (but those removed), then those chosen now."""
        self.kept = staged_uploads_of(actor=user, tokens=self._kept_tokens())
        self._opened = []
        for upload in list(self.kept):
            try:
                self._opened.append(staged_upload_open(upload))
            except OSError:  # its file is gone from storage: it cannot be sent
                self.kept.remove(upload)
        chosen = self.cleaned_data.get("files", []) if hasattr(self, "cleaned_data") else []
        return [*self._opened, *chosen]

    def _close_opened(self) -> None:
        for file in self._opened:
            file.close()
        self._opened = []

    def files_sent(self, user: User) -> None:
        """The message went: its kept files, and those removed, are no longer needed."""
        self._close_opened()
        staged_uploads_discard(actor=user, tokens=self._posted("kept_files"))

    def keep_files(self, user: User) -> None:
        """The form comes back with an error: keep the files chosen with it, besides those
        kept before and not removed, for the page to offer again."""
        self._close_opened()
        if not self.is_bound:
            return
        kept_before = staged_uploads_of(actor=user, tokens=self._kept_tokens())
        removed = set(self._posted("remove_files"))
        if removed:
            staged_uploads_discard(actor=user, tokens=list(removed))
        chosen = [file for file in self.files.getlist("files") if isinstance(file, UploadedFile)]
        kept_now = staged_upload_create(actor=user, files=chosen, already=len(kept_before))
        self.kept = [*kept_before, *kept_now]


_USERNAME_ATTRS = {"autocapitalize": "none", "autocorrect": "off", "spellcheck": "false"}


class LoginForm(PageForm):
    username = _text(
        _("Username or email"),
        required=_("Enter your username or email address."),
        autocomplete="username",
        **_USERNAME_ATTRS,
    )
    password = _password(
        _("Password"), required=_("Enter your password."), autocomplete="current-password"
    )


class RegisterForm(PageForm):
    username = _text(
        _("Username"),
        hint=USERNAME_HINT_SHOWN,
        required=_("Choose a username."),
        autocomplete="username",
        **_USERNAME_ATTRS,
    )
    email = forms.CharField(
        label=_("Email address"),
        required=True,
        error_messages={"required": _("Enter your email address.")},
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )
    password = _password(
        _("Password"),
        hint=PASSWORD_HINT_SHOWN,
        required=_("Choose a password."),
        autocomplete="new-password",
    )
    password_confirm = _password(
        _("Confirm password"),
        required=_("Type your password again."),
        autocomplete="new-password",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        password, confirm = data.get("password"), data.get("password_confirm")
        if password and confirm and password != confirm:
            self.add_error("password_confirm", PASSWORDS_DIFFER)
        return data


class ProfileForm(PageForm):
    profile_icon = forms.CharField(required=False)
    new_password = _password(
        _("New password (optional)"),
        hint=format_lazy(
            "{} {}", PASSWORD_HINT_SHOWN, _("Leave blank to keep your current password.")
        ),
        autocomplete="new-password",
    )
    new_password_confirm = _password(_("Confirm new password"), autocomplete="new-password")
    old_password = _password(
        _("Current password"),
        hint=_("Needed to save any change."),
        required=_("Enter your current password to save your changes."),
        autocomplete="current-password",
    )
    keep_api_tokens = forms.BooleanField(
        label="Keep my API tokens working",
        help_text=(
            "A new password signs out your other browsers and apps; it also revokes your "
            "API tokens unless you tick this."
        ),
        required=False,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("new_password", "") != data.get("new_password_confirm", ""):
            self.add_error("new_password_confirm", PASSWORDS_DIFFER)
        return data


class ApiTokenForm(PageForm):
    """A new personal API token; api_token_create checks the name and scope."""

    name = _text("Name", hint="What uses it, for example: reporting script.", autocomplete="off")
    scope = forms.ChoiceField(
        label="Access",
        choices=ApiTokenScope.choices,
        initial=ApiTokenScope.READ,
        error_messages={"invalid_choice": "Choose read or read and write."},
        widget=forms.RadioSelect,
    )
    expires_in_days = forms.IntegerField(
        label="Expires after (days, optional)",
        help_text="Leave it empty for a token that lasts until you revoke it.",
        required=False,
        min_value=1,
        max_value=3650,
        error_messages={
            "invalid": "Enter a whole number of days.",
            "min_value": "Enter at least 1 day.",
            "max_value": "Enter at most 3650 days.",
        },
    )
    password = _password(
        "Your password",
        hint="A token acts as you: confirm it's you to make one.",
        required="Enter your password to make a token.",
        autocomplete="current-password",
    )


class TicketNewForm(KeepsFilesForm):
    requester = _text(
        "Customer's username",
        hint="The customer this ticket is for: it will be theirs, on their home page.",
        required="Enter the username of the customer this ticket is for.",
        autocomplete="off",
        **_USERNAME_ATTRS,
    )
    title = _text(_("Title"), hint=TITLE_HINT_SHOWN, **{"data-max-length": str(TITLE_MAX)})
    message = _message(_("Describe the problem"), rows=8)
    cc = forms.CharField(
        label=_("CC (optional)"),
        help_text=_(
            "Email addresses of other people to keep informed, separated by commas. "
            "They receive our replies and can answer too."
        ),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def __init__(
        self,
        *args: Any,
        for_staff: bool = False,
        custom_fields: Iterable[FieldDefinition] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if not for_staff:
            del self.fields["requester"]
        self.custom_names = add_fields(self, custom_fields)

    @property
    def custom_bound(self) -> list[forms.BoundField]:
        return [self[name] for name in self.custom_names]

    def custom_values(self) -> dict[str, Any]:
        """The custom fields sent, by key (fields/services.py checks them)."""
        return sent_values(self, self.custom_names, opening=True)


DUE_AT_INVALID = _("Enter the due date as a date and a time, for example 2025-03-01 14:30.")
TAGS_HINT = _("Separate tags with commas, for example: boiler, studio 2.")
# The resolution's rule in the page's language (tickets/validators.py keeps the English one).
RESOLUTION_HINT_SHOWN = format_lazy(
    _("How the problem was solved, up to {max} characters. Leave it empty for none."),
    max=lazy(lambda: number_format(RESOLUTION_MAX, force_grouping=True), str)(),
)


class TicketControlsForm(PageForm):
    """The agent's controls in a ticket page's sidebar, one small form each. Values are only
    parsed here (tags into a list, the due date into an aware datetime, the assignee into an
    id); ticket_change_status, ticket_assign and ticket_update check them."""

    CONTROL_ACTIONS = (
        "status",
        "assign",
        "team",
        "priority",
        "category",
        "tags",
        "due",
        "resolution",
    )

    status = forms.CharField(label=_("Status"), required=False)
    assignee = IdField(label=_("Assignee"), invalid=CHOOSE_AGENT)
    team = IdField(label=_("Team"), invalid="Choose a team from the list.")
    priority = forms.CharField(label=_("Priority"), required=False)
    category = forms.CharField(label=_("Category"), required=False)
    tags = forms.CharField(label=_("Tags"), help_text=TAGS_HINT, required=False)
    due_at = forms.DateTimeField(
        label=_("Due date"),
        help_text=_("Leave it empty for no due date."),
        required=False,
        error_messages={"invalid": DUE_AT_INVALID},
    )
    # Sent by the status control (for resolving) and the resolution's own control.
    resolution = forms.CharField(
        label=_("Resolution"), help_text=RESOLUTION_HINT_SHOWN, required=False, strip=False
    )
    resolution_public = forms.BooleanField(label=_("Visible to the customer"), required=False)

    def clean_tags(self) -> list[str]:
        return [tag for tag in self.cleaned_data["tags"].split(",") if tag.strip()]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        # None when a form without the resolution's fields was sent: it leaves them alone. An
        # unticked checkbox is not sent at all, so the text says whether the fields came.
        if "resolution" not in self.data:
            data["resolution"] = data["resolution_public"] = None
        return data


class TicketActionForm(KeepsFilesForm, TicketControlsForm):
    """Everything posted from a ticket page: a reply, a note, a button or a sidebar control."""

    ACTIONS = ("reply", "note", "close", "reopen", "claim", *TicketControlsForm.CONTROL_ACTIONS)

    action = forms.ChoiceField(
        choices=[(action, action) for action in ACTIONS],
        error_messages={"invalid_choice": UNKNOWN_ACTION, "required": UNKNOWN_ACTION},
        widget=forms.HiddenInput,
    )
    message = _message(_("Message"), rows=5)


# --- the agent workspace --------------------------------------------------------------------


@dataclass(frozen=True)
class WorkspaceQuery:
    """What the workspace's address asks for, each value valid or left at its default.
    ``filters`` are tickets/filters.py's, as text."""

    view: str = str(WorkspaceView.CLAIMABLE)
    q: str = ""
    filters: dict[str, str] = field(default_factory=dict)
    sort: str = ""
    after: str = ""

    @property
    def is_filtered(self) -> bool:
        return any(self.filters.values())


def _choice(
    label: StrOrPromise,
    choices: list[tuple[str, Any]],
    *,
    any_label: StrOrPromise,
    invalid: StrOrPromise,
) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        choices=[("", any_label), *choices],
        required=False,
        error_messages={"invalid_choice": invalid},
    )


# The workspace's filters as its page says them (tickets/filters.py keeps the English labels
# that the APIs' documentation shows): a label, "any" and the error of a value not listed.
FILTER_WORDS: dict[str, tuple[StrOrPromise, StrOrPromise, StrOrPromise]] = {
    "status": (_("Status"), _("Any status"), _("Choose a status from the list.")),
    "priority": (_("Priority"), _("Any priority"), _("Choose a priority from the list.")),
    "category": (_("Category"), _("Any category"), _("Choose a category from the list.")),
    "assigned_to": (_("Assignee"), _("Anyone"), _("Choose an agent from the list.")),
    "team": (_("Team"), "", ""),
    "tag": (_("Tag"), "", ""),
    "organisation": (_("Organisation"), "", ""),
}
# The values of the listed filters in the page's language (tickets/texts.py).
FILTER_VALUE_WORDS: dict[str, dict[str, Any]] = {
    "status": STATUS_WORDS,
    "priority": PRIORITY_WORDS,
    "category": CATEGORY_WORDS,
}


def _filter_field(spec: TicketFilter) -> forms.Field:
    """The form field of a ticket filter: its list of values, or text."""
    label, any_label, invalid = FILTER_WORDS.get(spec.name, (spec.label, "", ""))
    if spec.name == "assigned_to":  # its agents are chosen per request (WorkspaceForm)
        return _choice(label, [], any_label=any_label, invalid=invalid)
    if spec.choices:
        noun = spec.label.lower()
        words = FILTER_VALUE_WORDS.get(spec.name, {})
        return _choice(
            label,
            [(value, words.get(value, text)) for value, text in spec.choices],
            any_label=any_label or f"Any {noun}",
            invalid=invalid or f"Choose a {noun} from the list.",
        )
    return forms.CharField(label=label, required=False, max_length=50)


FILTER_FIELDS = (*WORKSPACE_FILTERS, "sort")
JINJA2_WIDGETS = Jinja2Renderer()
CLAIMABLE = str(WorkspaceView.CLAIMABLE)


class WorkspaceForm(forms.Form):
    """The workspace's GET form: a view, search words, the filters (tickets/filters.py), an
    order and a page. A value that is not one of the choices is reported next to its field and
    otherwise ignored."""

    use_required_attribute = False
    # Its fields' widgets from Django's Jinja2 templates: the same elements, in half the time
    # of its Django templates (the assignee list alone is 50 options; docs/decisions.md).
    default_renderer = JINJA2_WIDGETS

    view = forms.CharField(required=False, max_length=20, widget=forms.HiddenInput)
    q = forms.CharField(
        label=_("Search tickets"),
        required=False,
        max_length=SEARCH_MAX_LENGTH,
        widget=forms.SearchInput(
            attrs={"placeholder": _("Words or a ticket number"), "spellcheck": "false"}
        ),
    )
    sort = _choice(
        _("Order"),
        WorkspaceSort.choices,
        any_label=_("Default"),
        invalid=_("Choose an order from the list."),
    )
    after = forms.CharField(required=False, max_length=200, widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        agents: list[AgentName],
        custom_fields: Iterable[FieldDefinition] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        for name in WORKSPACE_FILTERS:
            self.fields[name] = _filter_field(TICKET_FILTERS[name])
        # Custom fields with a list of values get a list here; any field filters by address.
        self.custom_filters = add_filter_fields(self, custom_fields)
        agent_choices = [(str(agent.pk), agent.username) for agent in agents]
        assignee = self.fields["assigned_to"]
        assert isinstance(assignee, forms.ChoiceField)
        assignee.choices = [("", _("Anyone")), (UNASSIGNED, _("Unassigned")), *agent_choices]

    def filter_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in (*WORKSPACE_FILTERS, *self.custom_filters, "sort")]

    def query(self) -> WorkspaceQuery:
        self.is_valid()
        data = self.cleaned_data
        return WorkspaceQuery(
            # An unknown view (an old bookmark) is the default one, not an error.
            view=view if (view := data.get("view")) in WorkspaceView.values else CLAIMABLE,
            q=data.get("q", ""),
            filters={
                **{name: data.get(name, "") for name in WORKSPACE_FILTERS},
                # Custom fields (field_<key>, fields/filters.py): checked by the selectors.
                **{
                    name: str(self.data.get(name, "")).strip()[:200]
                    for name in self.data
                    if is_dynamic_name(name)
                },
            },
            sort=data.get("sort", ""),
            after=data.get("after", ""),
        )


# --- a ticket's page: the send choices, the composer's mode, taking over --------------------

SEND_ACTIONS = ("reply", "reply_close", "reply_pending")
NOTE_MODE_GUARD = (
    "You are writing an internal note: nothing was sent to the customer. "
    "Switch to Reply to send it to them."
)


class TicketPageForm(TicketActionForm):
    """Everything a ticket page posts: TicketActionForm's actions, the split send button's
    other two choices, and taking a colleague's ticket over. ``mode`` is the composer's
    Reply / Internal note switch; ``take_from`` the agent a take-over was confirmed against."""

    PAGE_ACTIONS = (*TicketActionForm.ACTIONS, "reply_close", "reply_pending", "take_over")

    action = forms.ChoiceField(
        choices=[(action, action) for action in PAGE_ACTIONS],
        error_messages={"invalid_choice": UNKNOWN_ACTION, "required": UNKNOWN_ACTION},
        widget=forms.HiddenInput,
    )
    mode = forms.ChoiceField(
        choices=[("reply", "Reply"), ("note", "Internal note")],
        required=False,
        error_messages={"invalid_choice": UNKNOWN_ACTION},
    )
    take_from = IdField(label="Take over from", invalid=CHOOSE_AGENT)

    # The composer's widgets from Django's Jinja2 templates, as the workspace's form
    # (docs/decisions.md): the same elements, in less time.
    default_renderer = JINJA2_WIDGETS

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        # The guard of the composer's two modes: a public action posted while the switch says
        # "internal note" (a stale page, a script) sends nothing.
        if data.get("mode") == "note" and data.get("action") in SEND_ACTIONS:
            raise forms.ValidationError(NOTE_MODE_GUARD)
        return data
