"""Placeholders are a fixed list substituted as plain text: whatever an agent writes in a
saved reply, and whatever the ticket's values are, nothing is evaluated, nothing but the
listed placeholders changes, and a value is never expanded again."""

from __future__ import annotations

import pytest
from django.conf import settings
from hypothesis import given
from hypothesis import strategies as st

from frontdesk.core.errors import InvalidInput
from frontdesk.replies.placeholders import PLACEHOLDERS, Values, check_placeholders, render

VALUES = Values(
    {
        "customer.first_name": "John",
        "customer.name": "John",
        "agent.first_name": "Alice",
        "agent.name": "Alice",
        "ticket.number": "TKT-000042",
        "ticket.title": "Friday salsa class",
    }
)
TEMPLATE_LOOKALIKES = st.sampled_from(
    [
        "{{ settings.SECRET_KEY }}",
        "{{settings.SECRET_KEY}}",
        "{% load static %}",
        "{% debug %}",
        "{% include 'web/base.html' %}",
        "{{ request.user.password }}",
        "{{ customer.__class__ }}",
        "{{ ticket.requester.password|safe }}",
        "{# comment #}",
        "{{",
        "}}",
        "{",
        "%}",
    ]
)
TEXT = st.lists(st.one_of(st.text(max_size=20), TEMPLATE_LOOKALIKES), max_size=8).map("".join)


def test_each_placeholder_becomes_its_value() -> None:
    text = " | ".join(f"{{{{ {name} }}}}" for name in PLACEHOLDERS)
    assert render(text, VALUES) == ("John | John | Alice | Alice | TKT-000042 | Friday salsa class")
    assert render("{{customer.first_name}}!", VALUES) == "John!"


@given(TEXT)
def test_text_without_a_known_placeholder_is_left_exactly_as_it_is(text: str) -> None:
    if any(name in text for name in PLACEHOLDERS):
        return
    assert render(text, VALUES) == text


@given(TEXT)
def test_nothing_is_ever_evaluated(text: str) -> None:
    rendered = render(text + "{{ settings.SECRET_KEY }}", VALUES)
    assert settings.SECRET_KEY not in rendered
    assert "{{ settings.SECRET_KEY }}" in rendered


@given(st.one_of(st.text(max_size=40), TEMPLATE_LOOKALIKES), TEXT)
def test_a_value_is_inserted_as_it_is_and_never_expanded_again(value: str, around: str) -> None:
    values = Values({**VALUES.values, "ticket.title": value + "{{ agent.name }}"})
    rendered = render("Re: {{ ticket.title }}", values)
    assert rendered == f"Re: {value}{{{{ agent.name }}}}"


@given(TEXT)
def test_an_unknown_placeholder_is_refused_when_saved(text: str) -> None:
    with pytest.raises(InvalidInput, match="is not a placeholder") as refused:
        check_placeholders(text.replace("{{", "").replace("}}", "") + "{{ settings.SECRET_KEY }}")
    assert "{{ customer.first_name }}" in refused.value.message


@given(st.lists(st.one_of(st.text(max_size=20), st.sampled_from(sorted(PLACEHOLDERS))), max_size=8))
def test_known_placeholders_and_plain_text_are_accepted(parts: list[str]) -> None:
    text = "".join(
        f"{{{{ {part} }}}}" if part in PLACEHOLDERS else part.replace("{", "").replace("}", "")
        for part in parts
    )
    check_placeholders(text)
