"""Saved views: an agent keeps the workspace's current view (a built-in view, filters and an
order) under a name, for themselves or, an admin, for every agent.

Who may do what, once:

* any agent or admin keeps personal views, which only they see and change;
* only admins share a view with every agent, and any admin changes or deletes a shared one
  (as Zendesk's shared views are the admins'); agents use them as they are.

A view holds its query as the workspace's address writes it, checked by the same parser the
workspace and the ticket filters use (selectors.view_query_parse), so a saved view can never
hold a filter that would not parse.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_noop

from frontdesk.accounts.models import User
from frontdesk.core.clock import now
from frontdesk.core.errors import InvalidInput, NotAllowed
from frontdesk.tickets import selectors
from frontdesk.tickets.models import SavedView

NAME_MAX_LENGTH = 60
VIEWS_PER_OWNER = 50
ONLY_ADMINS_SHARE = gettext_noop("Only admins can share a view with every agent.")
ONLY_ADMINS_CHANGE_SHARED = gettext_noop("Only admins can change or delete a shared view.")
STAFF_ONLY = gettext_noop("Only agents can keep saved views.")


def _check_staff(actor: User) -> None:
    if not actor.is_staff_member:
        raise NotAllowed(STAFF_ONLY)


def _clean_name(name: object) -> str:
    if not isinstance(name, str):
        raise InvalidInput(gettext_noop("The name must be text."), field="name")
    cleaned = " ".join(name.split())
    if not cleaned:
        raise InvalidInput(gettext_noop("Give the view a name."), field="name")
    if len(cleaned) > NAME_MAX_LENGTH:
        raise InvalidInput(
            gettext_noop("Keep the name to %(limit)s characters or fewer."),
            values={"limit": NAME_MAX_LENGTH},
            field="name",
        )
    if not cleaned.isprintable():
        raise InvalidInput(gettext_noop("The name may not hold control characters."), field="name")
    return cleaned


def _clean_query(actor: User, query: object) -> str:
    if not isinstance(query, str):
        raise InvalidInput(gettext_noop("The view's query must be text."), field="query")
    parsed = selectors.view_query_parse(query)
    selectors.view_query_check(user=actor, query=parsed)
    return parsed.text


def _check_name_free(owner: User, name: str, *, other_than: int = 0) -> None:
    taken = SavedView.objects.filter(owner=owner, name__iexact=name).exclude(pk=other_than)
    if taken.exists():
        raise InvalidInput(
            gettext_noop("You already have a view called “%(name)s”."),
            values={"name": name},
            field="name",
        )


def saved_view_may_change(*, actor: User, view: SavedView) -> bool:
    """May ``actor`` rename, change or delete ``view``: an admin a shared view, the owner a
    personal one (what a page offers)."""
    return actor.is_admin if view.shared else view.owner_id == actor.pk


def _check_may_change(actor: User, view: SavedView) -> None:
    if not saved_view_may_change(actor=actor, view=view):
        raise NotAllowed(
            ONLY_ADMINS_CHANGE_SHARED
            if view.shared
            else gettext_noop("Only its owner can change a personal view.")
        )


def saved_view_create(*, actor: User, name: str, query: str, shared: bool = False) -> SavedView:
    """Keep ``query`` (the workspace's query string) as a view called ``name``: personal, or
    ``shared`` with every agent (admins only)."""
    _check_staff(actor)
    cleaned = _clean_name(name)
    text = _clean_query(actor, query)
    if shared is not False and shared is not True:
        raise InvalidInput(gettext_noop("Use true or false."), field="shared")
    if shared and not actor.is_admin:
        raise NotAllowed(ONLY_ADMINS_SHARE, field="shared")
    with transaction.atomic():
        # The row lock makes two saves at once count one after the other.
        User.objects.select_for_update().filter(pk=actor.pk).first()
        if SavedView.objects.filter(owner=actor).count() >= VIEWS_PER_OWNER:
            raise InvalidInput(
                gettext_noop("You can keep up to %(limit)s views: delete one first."),
                values={"limit": VIEWS_PER_OWNER},
                field="name",
            )
        _check_name_free(actor, cleaned)
        return SavedView.objects.create(owner=actor, name=cleaned, query=text, shared=shared)


def saved_view_update(
    *,
    actor: User,
    view_id: int,
    name: str | None = None,
    query: str | None = None,
    shared: bool | None = None,
) -> SavedView:
    """Rename a view, give it another query, or share or unshare it (None: as it is). Its
    owner changes a personal view; an admin a shared one."""
    _check_staff(actor)
    with transaction.atomic():
        view = selectors.saved_view_get(user=actor, view_id=view_id)
        _check_may_change(actor, view)
        fields = []
        if name is not None:
            view.name = _clean_name(name)
            _check_name_free(view.owner, view.name, other_than=view.pk)
            fields.append("name")
        if query is not None:
            view.query = _clean_query(actor, query)
            fields.append("query")
        if shared is not None:
            if shared is not False and shared is not True:
                raise InvalidInput(gettext_noop("Use true or false."), field="shared")
            if shared != view.shared and not actor.is_admin:
                raise NotAllowed(ONLY_ADMINS_SHARE, field="shared")
            view.shared = shared
            fields.append("shared")
        if fields:
            view.updated_at = now()
            view.save(update_fields=[*fields, "updated_at"])
    return view


def saved_view_delete(*, actor: User, view_id: int) -> None:
    """Delete a view: its owner a personal one, an admin a shared one."""
    _check_staff(actor)
    with transaction.atomic():
        view = selectors.saved_view_get(user=actor, view_id=view_id)
        _check_may_change(actor, view)
        view.delete()
