"""The sessions' read compiled once (accounts/session_store.py) answers as Django's database
sessions do: the session while it lasts, nothing once it has expired or for an unknown key
(which is then dropped), and a signed-in page reads it through the compiled SQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from frontdesk.accounts import session_store
from frontdesk.accounts.models import User

pytestmark = pytest.mark.django_db


def _saved(data: dict[str, str]) -> str:
    store = session_store.SessionStore()
    store.update(data)
    store.create()
    assert store.session_key is not None
    return store.session_key


def test_a_session_reads_as_djangos_own_store_reads_it() -> None:
    assert settings.SESSION_ENGINE == "frontdesk.accounts.session_store"
    key = _saved({"colour": "green"})
    for store in (session_store.SessionStore(key), db.SessionStore(key)):
        assert store["colour"] == "green"
        assert store.session_key == key


def test_an_expired_or_unknown_session_is_empty_and_its_key_dropped() -> None:
    key = _saved({"colour": "green"})
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - timedelta(1))
    for given in (key, "nosuchsession123"):
        for store in (session_store.SessionStore(given), db.SessionStore(given)):
            assert dict(store.items()) == {}
            assert store.session_key is None


def test_a_signed_in_page_reads_its_session_through_the_compiled_read(agent: User) -> None:
    client = Client()
    client.force_login(agent)
    session_store._live_session.plans.clear()
    assert client.get("/home").status_code == 200
    assert session_store._live_session.plans  # compiled, then run
    client.cookies[settings.SESSION_COOKIE_NAME] = "nosuchsession123"
    assert client.get("/home").status_code == 302  # signed out: to the sign-in page
