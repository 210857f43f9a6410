"""A knowledge-base event whose summary is a sentence ("version 2") keeps its facts
(KbEvent.summary_facts) and is said in the reader's language in the editor's history; a
name stays as written, and an event logged before its facts were kept reads as stored."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import translation

from frontdesk.accounts.models import User
from frontdesk.kb import services
from frontdesk.kb.models import Action, KbEvent
from tests.kb.conftest import Shelf, kb  # noqa: F401

pytestmark = pytest.mark.django_db


def test_a_version_is_stored_english_and_said_in_spanish(kb: Shelf, agent: User) -> None:  # noqa: F811
    services.article_update(actor=agent, article_id=kb.draft.pk, values={"body": "Soon."})
    saved = KbEvent.objects.filter(article=kb.draft, action=Action.DRAFT_SAVED).latest("id")
    assert saved.summary == "version 2"
    with translation.override("es"):
        assert saved.summary_said() == "versión 2"
    created = KbEvent.objects.get(article=kb.draft, action=Action.ARTICLE_CREATED)
    assert created.summary_facts is None  # the article's title, as written
    with translation.override("es"):
        assert created.summary_said() == "Waiting lists"

    KbEvent.objects.filter(pk=saved.pk).update(summary_facts=None)  # logged before
    saved.refresh_from_db()
    with translation.override("es"):
        assert saved.summary_said() == "version 2"


def test_the_editor_shows_the_history_in_spanish(kb: Shelf, agent: User) -> None:  # noqa: F811
    services.article_update(actor=agent, article_id=kb.public.pk, values={"body": "New."})
    client = Client(HTTP_HOST="localhost", HTTP_ACCEPT_LANGUAGE="es")
    client.force_login(agent)
    page = client.get(f"/kb/manage/articles/{kb.public.pk}").content.decode()
    assert "versión 2" in page
    assert ": version 2" not in page
