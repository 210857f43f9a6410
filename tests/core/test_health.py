"""/healthz and /readyz (core/health.py): what a load balancer or systemd asks."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connections
from django.test import Client
from django.test.utils import CaptureQueriesContext
from pytest_django.fixtures import Settings

from frontdesk.core import health

pytestmark = pytest.mark.django_db
REDIS_URL = os.environ.get("FRONTDESK_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture(autouse=True)
def _fresh_process_state() -> Iterator[None]:
    health._migrations_applied = False
    health._failing.clear()
    health._redis_client.cache_clear()
    yield
    health._migrations_applied = False
    health._failing.clear()
    health._redis_client.cache_clear()


def test_healthz_answers_without_the_database() -> None:
    with CaptureQueriesContext(connections["default"]) as queries:
        answer = Client().get("/healthz")
    assert answer.status_code == 200
    assert answer.json() == {"status": "ok"}
    assert len(queries) == 0
    assert "sessionid" not in answer.cookies


def test_readyz_is_200_when_everything_answers(settings: Settings) -> None:
    settings.REDIS_URL = ""
    answer = Client().get("/readyz")
    assert answer.status_code == 200
    assert answer.json() == {
        "status": "ok",
        "checks": {"database": "ok", "redis": "not configured", "migrations": "ok", "disk": "ok"},
    }
    assert "sessionid" not in answer.cookies


def test_readyz_checks_migrations_once_per_process(settings: Settings) -> None:
    Client().get("/readyz")
    with CaptureQueriesContext(connections["default"]) as queries:
        assert Client().get("/readyz").status_code == 200
    assert [q["sql"] for q in queries] == ["SELECT 1"]


def test_a_database_that_does_not_answer_is_503(monkeypatch: pytest.MonkeyPatch) -> None:
    def down() -> str:
        raise ConnectionError("no route to host")

    monkeypatch.setattr(health, "_database", down)
    answer = Client().get("/readyz")
    assert answer.status_code == 503
    body = answer.json()
    assert body["status"] == "unavailable"
    assert body["failed"] == ["database"]
    assert body["checks"]["database"] == "failed: ConnectionError"
    assert body["checks"]["migrations"].startswith("not checked")


def test_a_pending_migration_is_503(monkeypatch: pytest.MonkeyPatch) -> None:
    class Pending:
        def __init__(self, connection: Any) -> None:
            self.loader = type("Loader", (), {"graph": type("G", (), {"leaf_nodes": list})()})()

        def migration_plan(self, targets: Any) -> list[Any]:
            return [("core", "0002_not_yet")]

    monkeypatch.setattr(health, "MigrationExecutor", Pending)
    answer = Client().get("/readyz")
    assert answer.status_code == 503
    assert answer.json()["failed"] == ["migrations"]
    assert answer.json()["checks"]["migrations"] == "1 migration(s) not applied"


def test_too_little_disk_space_is_503(settings: Settings) -> None:
    settings.FRONTDESK_READY_MIN_FREE_BYTES = 2**62
    answer = Client().get("/readyz")
    assert answer.status_code == 503
    assert answer.json()["failed"] == ["disk"]
    assert "MiB free in the data directory" in answer.json()["checks"]["disk"]


def test_redis_is_checked_when_configured(settings: Settings) -> None:
    settings.REDIS_URL = REDIS_URL
    assert Client().get("/readyz").json()["checks"]["redis"] == "ok"
    health._redis_client.cache_clear()
    settings.REDIS_URL = "redis://127.0.0.1:1/7"  # nothing listens there
    answer = Client().get("/readyz")
    assert answer.status_code == 503
    assert answer.json()["failed"] == ["redis"]


def test_a_failure_is_logged_when_it_starts_and_ends(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    settings.FRONTDESK_READY_MIN_FREE_BYTES = 2**62
    for _ in range(3):
        Client().get("/readyz")
    settings.FRONTDESK_READY_MIN_FREE_BYTES = 0
    Client().get("/readyz")
    lines = [r.getMessage() for r in caplog.records if r.name == "frontdesk.core.health"]
    assert len(lines) == 2
    assert lines[0].startswith("Not ready: disk")
    assert lines[1] == "Ready again: disk"
