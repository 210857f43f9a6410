"""A bulk load that drops indexes and dies before making them again (kill -9, a power cut):
the next migrate, which every command that serves or loads runs first, puts them back."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.commands import frontdesk_on_sqlite

pytestmark = pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="indexes are deferred on SQLite only",
)

KILLED_INSIDE = """
import os, django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from frontdesk.core.bulk import indexes_deferred
from frontdesk.tickets.models import Message, Ticket
with indexes_deferred(Ticket, Message, keep_leading=("ticket_id",)):
    os._exit(9)  # no finally runs, as after kill -9
"""

INDEXES = """
import django
django.setup()
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute("SELECT count(*) FROM sqlite_master WHERE type = 'index'"
                   " AND tbl_name IN ('tickets_ticket', 'tickets_message')")
    print(cursor.fetchone()[0])
"""


def _python(code: str, data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "FRONTDESK_DATA_DIR": str(data),
        "DJANGO_SETTINGS_MODULE": "frontdesk.settings",
    }
    env.pop("DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-c", code, *args], env=env, capture_output=True, text=True, timeout=120
    )


def test_indexes_dropped_by_a_killed_load_come_back_at_the_next_migrate(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert frontdesk_on_sqlite(data, "migrate", "--verbosity", "0").returncode == 0
    complete = int(_python(INDEXES, data).stdout)

    killed = _python(KILLED_INSIDE, data)
    assert killed.returncode == 9, killed.stderr
    assert int(_python(INDEXES, data).stdout) < complete  # the kill left them dropped

    assert frontdesk_on_sqlite(data, "migrate", "--verbosity", "0").returncode == 0
    assert int(_python(INDEXES, data).stdout) == complete
    assert not list(data.glob("*indexes-to-restore*"))
