"""Posting the admin's real forms as a browser does: signed in as an admin, with CSRF checks
on, the form read from its page (every field as shown, the CSRF token included) and sent back
with only the changes a person would make."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

from django.test import Client

from frontdesk.accounts.models import User

FormData = dict[str, list[str]]


def admin_browser(user: User) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


class _FormReader(HTMLParser):
    """The values a browser would send for the first form with ``form_id`` ("": the first
    without one): text inputs, checked boxes, selected options and text areas; buttons and
    files are left out."""

    def __init__(self, form_id: str) -> None:
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.found = False
        self.data: FormData = {}
        self._select: tuple[str, bool] | None = None
        self._options: list[tuple[str, bool]] = []
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if tag == "form" and attributes.get("id", "") == self.form_id and not self.found:
            self.inside = self.found = True
        if not self.inside:
            return
        name = attributes.get("name")
        if tag == "input" and name:
            kind = attributes.get("type", "text").lower()
            if kind in {"submit", "button", "image", "reset", "file"}:
                return
            if kind in {"checkbox", "radio"} and "checked" not in attributes:
                return
            default = "on" if kind in {"checkbox", "radio"} else ""
            self.data.setdefault(name, []).append(attributes.get("value", default))
        elif tag == "select" and name:
            self._select = (name, "multiple" in attributes)
            self._options = []
        elif tag == "option" and self._select is not None:
            self._options.append((attributes.get("value", ""), "selected" in attributes))
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = [""]

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self.data[self._textarea][0] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self.inside:
            self.inside = False
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select" and self._select is not None:
            name, multiple = self._select
            chosen = [value for value, selected in self._options if selected]
            if not chosen and not multiple and self._options:
                chosen = [self._options[0][0]]
            self.data[name] = chosen
            self._select = None


def read_form(response: Any, form_id: str) -> FormData:
    assert response.status_code == 200, response.status_code
    reader = _FormReader(form_id)
    reader.feed(response.content.decode())
    assert reader.found, f"no form {form_id!r} on the page"
    # A text area's content starts after the newline that follows its tag.
    return {
        name: [value.removeprefix("\n") for value in values] for name, values in reader.data.items()
    }


def post_form(
    client: Client, page: Any, path: str, form_id: str, **changes: str | list[str]
) -> Any:
    """Post the form of ``page`` to ``path`` with the named fields changed (a checkbox: []
    unticks it, "on" ticks it)."""
    data = read_form(page, form_id)
    for name, value in changes.items():
        data[name] = [value] if isinstance(value, str) else value
    return client.post(path, data)


def change_form(client: Client, path: str, form_id: str, **changes: str | list[str]) -> Any:
    """Read the form at ``path``, change the named fields and post it back."""
    return post_form(client, client.get(path), path, form_id, **changes)


def confirm(client: Client, page: Any, path: str) -> Any:
    """Answer a confirmation page (deleting) with its "Yes, I'm sure"."""
    return post_form(client, page, path, "")


def form_errors(response: Any) -> dict[str, list[str]]:
    """The errors of the admin form on a page sent back, by field ("__all__": the form's)."""
    assert response.status_code == 200, response.status_code
    form = response.context["adminform"].form
    return {name: [str(error) for error in errors] for name, errors in form.errors.items()}
