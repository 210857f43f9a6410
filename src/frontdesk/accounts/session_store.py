"""Django's database sessions, their one read compiled once (core/compiled.py).

Every signed-in page reads its session first: ``Session.objects.get(session_key=…,
expire_date__gt=now)`` built and compiled by the ORM cost more CPU than running it (0.3 ms on
SQLite, 0.6 ms on PostgreSQL, for SQL that runs in a fraction of that; bench/README.md). The
same query, the same rows and the same answer when there is none: only the building is gone.
The time is Django's clock, not the project's (core/clock.py): Django's store writes each
session's expiry from it, so a test that moves the project's clock moves neither end, as with
Django's own store; the project's idle deadline (accounts/sessions.py) reads its clock.
"""

from __future__ import annotations

from datetime import datetime

from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.db.models import QuerySet
from django.utils import timezone

from frontdesk.core.compiled import CompiledRead


def _live_session_query(shape: None, session_key: str, at: datetime) -> QuerySet[Session]:
    return Session.objects.filter(session_key=session_key, expire_date__gt=at)


_live_session = CompiledRead(_live_session_query)


class SessionStore(db.SessionStore):
    def _get_session_from_db(self) -> Session | None:
        found = []
        if self.session_key is not None:  # None: no session, as the ORM's read would say
            found = _live_session(None, self.session_key, timezone.now())
        if not found:
            self._session_key = None
            return None
        return found[0]
