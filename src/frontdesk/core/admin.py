"""What every page of the admin site shares: the admin is one more face over the services.

A change form whose fields carry rules is a :class:`ServiceForm` on a :class:`ServiceAdmin`:
the form only parses, the use case decides and writes (history, live events and jobs
included). Objects that only a use case may create or delete say so in their ModelAdmin.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import django.contrib.auth.admin  # noqa: F401  (registers Group, so that it can go below)
from django import forms
from django.contrib import admin, messages
from django.contrib.auth.models import Group
from django.db import transaction
from django.http import HttpRequest

from frontdesk.core.errors import DomainError

if TYPE_CHECKING:
    from frontdesk.accounts.models import User

# Roles are the project's own (customer, agent, admin); Django's groups would mean nothing.
if admin.site.is_registered(Group):
    admin.site.unregister(Group)


class ServiceForm(forms.ModelForm):
    """A change form saved by use cases, never by ``ModelForm.save``.

    ``apply`` calls the use cases with the fields the admin changed. The rules (some read the
    database: the last admin, a name already taken) live in the services alone, so the form
    does not copy them: ``clean`` runs ``apply`` in a savepoint that is always rolled back,
    and shows a refusal next to the field it names, with nothing saved. ServiceAdmin's
    ``save_model`` then runs ``apply`` for real. Running the use case twice is the price of
    keeping each rule in one place. A change committed by someone else in between can still
    make the second run refuse: then the admin's request fails and its transaction saves
    nothing, as with Django's own unique checks.
    """

    actor: User  # the signed-in admin, set by ServiceAdmin.get_form

    def apply(self) -> None:
        raise NotImplementedError

    def clean(self) -> dict[str, Any] | None:
        cleaned = super().clean()
        if self.errors:
            return cleaned  # a value that does not parse never reaches the use case
        try:
            with transaction.atomic():
                self.apply()
                transaction.set_rollback(True)
        except DomainError as exc:
            self.add_error(exc.field if exc.field in self.fields else None, exc.said())
        return cleaned

    def validate_unique(self) -> None:
        """Names already taken are the use case's rule, checked by ``apply``."""


class ServiceAdmin(admin.ModelAdmin):
    """A ModelAdmin whose change form is a ServiceForm: saving runs its use cases, nothing
    else. Inlines are for reading; whatever they hold is changed on its own page."""

    form = ServiceForm

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> type[ServiceForm]:
        form = super().get_form(request, obj, change, **kwargs)
        assert issubclass(form, ServiceForm)
        form.actor = request.user  # type: ignore[assignment]  # a new class on each call
        return form

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        form.apply()

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """Nothing: ``apply`` saved the form's many-to-many fields too, and inlines are
        read-only."""

    def construct_change_message(
        self, request: HttpRequest, form: Any, formsets: Any, add: bool = False
    ) -> list[dict[str, Any]]:
        return super().construct_change_message(request, form, [], add)  # inlines: unsaved


def apply_to_each(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    rows: Iterable[Any],
    apply: Callable[[Any], object],
    done: Callable[[int], str] | None = None,
) -> None:
    """Run a use case on each selected row: refusals are reported row by row, the rest
    counted (unless Django reports them itself). The admin adds no rule of its own."""
    succeeded = 0
    for row in rows:
        try:
            apply(row)
            succeeded += 1
        except DomainError as exc:
            modeladmin.message_user(request, f"{row}: {exc.said()}", messages.ERROR)
    if succeeded and done is not None:
        modeladmin.message_user(request, done(succeeded))


class ReadOnly:
    """Nothing to add, change or delete here: rows that only use cases (or their signals)
    write. For a ModelAdmin or an inline."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyAdmin(ReadOnly, admin.ModelAdmin):
    """Rows written only by use cases (or their signals): listed and searched here, changed
    only by the actions a subclass offers, which call those use cases."""
