"""Every page of the admin is a face over the services, and every ModelAdmin has a test that
posts its real change form (listed here): a new one cannot arrive without it, and nothing is
shown that means nothing here (Django's groups: the roles are the project's own)."""

from __future__ import annotations

from pathlib import Path

from django.contrib import admin

TESTS = Path(__file__).resolve().parent.parent

# Every model in the admin, and the file whose tests post its forms.
TESTED = {
    "accounts.organisation": "accounts/test_admin.py",
    "accounts.user": "accounts/test_admin.py",
    "accounts.sessionevent": "accounts/test_admin.py",
    "accounts.usersession": "accounts/test_admin.py",
    "accounts.apitoken": "accounts/test_admin.py",
    "tickets.ticket": "tickets/test_admin.py",
    "tickets.attachment": "tickets/test_admin.py",
    "tickets.tag": "tickets/test_admin.py",
    "tickets.ticketevent": "tickets/test_admin.py",
    "sla.overduealert": "sla/test_admin.py",
    "sla.slaalert": "sla/test_admin_pages.py",
    "sla.slapolicy": "sla/test_admin_pages.py",
    "sla.businesscalendar": "sla/test_admin_pages.py",
    "notifications.outboxmail": "notifications/test_delivery_admin.py",
    "mail.inboundmail": "mail/test_pipeline_held.py",
    "fields.fielddefinition": "fields/test_admin_pages.py",
    "teams.team": "teams/test_team_admin.py",
    "teams.agentstatus": "teams/test_team_admin.py",
    "kb.category": "kb/test_admin.py",
    "kb.article": "kb/test_admin.py",
    "kb.kbevent": "kb/test_admin.py",
    "kb.articleimage": "kb/test_versions_and_images.py",
    "importers.importrun": "importers/test_admin.py",
    "privacy.privacylog": "privacy/test_admin.py",
    "webhooks.webhook": "webhooks/test_admin.py",
    "webhooks.delivery": "webhooks/test_admin.py",
}


def test_every_model_in_the_admin_has_its_face_test() -> None:
    registered = {model._meta.label_lower for model in admin.site._registry}
    assert registered == set(TESTED)
    for label, path in TESTED.items():
        model_name = label.split(".")[1]
        assert model_name in (TESTS / path).read_text(), (label, path)
