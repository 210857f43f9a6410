"""What Django's system checks say about Frontdesk itself: nothing, so that `frontdesk migrate`
and `serve` print no warning a person would have to look into."""

from __future__ import annotations

import pytest
from django.core import checks


@pytest.mark.django_db
def test_the_checks_with_the_database_say_nothing() -> None:
    # An index with INCLUDE columns (for PostgreSQL) made SQLite's models.W040 print at every
    # `frontdesk migrate`, which runs the checks with the database.
    said = checks.run_checks(databases=["default"])
    assert [message for message in said if not message.is_silenced()] == []
