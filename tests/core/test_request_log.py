"""Request ids, access lines and the metrics endpoint inside one process (core/request_id.py,
core/request_log.py, core/metrics.py); tests/cli/test_serve_operations.py runs them for real."""

from __future__ import annotations

import logging
import threading

import pytest
from django.test import Client
from huey import MemoryHuey
from prometheus_client import REGISTRY
from pytest_django.fixtures import Settings

from frontdesk.core import request_id
from frontdesk.core.metrics import UNMATCHED
from frontdesk.live.limits import stream_lease_take

pytestmark = pytest.mark.django_db


def _access_lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "frontdesk.access"]


def test_a_sane_request_id_is_kept_and_echoed(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, "frontdesk.access")
    answer = Client().get("/healthz", headers={"X-Request-ID": "lb-42.a:b"})
    assert answer["X-Request-ID"] == "lb-42.a:b"
    [line] = _access_lines(caplog)
    assert line.request_id == "lb-42.a:b"  # type: ignore[attr-defined]
    assert line.route == "healthz"  # type: ignore[attr-defined]
    assert line.status == 200  # type: ignore[attr-defined]
    assert line.getMessage().startswith("GET /healthz 200 ")


@pytest.mark.parametrize("sent", [None, "", "has spaces", "x" * 129, "naïve", "a\nb"])
def test_any_other_request_id_is_replaced(sent: str | None) -> None:
    headers = {} if sent is None else {"X-Request-ID": sent}
    answer = Client().get("/healthz", headers=headers)
    assert answer["X-Request-ID"] != sent
    assert len(answer["X-Request-ID"]) == 32


def test_errors_and_unknown_paths_get_an_id_and_one_access_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, "frontdesk.access")
    answer = Client().get("/no/such/page")
    assert answer.status_code == 404
    assert answer["X-Request-ID"]
    [line] = _access_lines(caplog)
    assert line.route == UNMATCHED  # type: ignore[attr-defined]


def test_the_access_line_can_be_turned_off(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    settings.FRONTDESK_ACCESS_LOG = False
    caplog.set_level(logging.INFO, "frontdesk.access")
    Client().get("/healthz")
    assert _access_lines(caplog) == []


def test_latency_is_counted_by_route_not_by_path() -> None:
    def count(route: str) -> float:
        labels = {"route": route, "method": "GET", "status": "4xx"}
        value = REGISTRY.get_sample_value("frontdesk_http_request_duration_seconds_count", labels)
        return value or 0.0

    before = count("get-ticket/<id:ticket_id>")
    Client().get("/get-ticket/1")
    Client().get("/get-ticket/2")
    assert count("get-ticket/<id:ticket_id>") == before + 2


def test_a_job_carries_the_request_id_to_the_worker(caplog: pytest.LogCaptureFixture) -> None:
    huey = MemoryHuey(utc=True)
    request_id.install_job_hooks(huey)
    seen: list[str] = []

    @huey.task()
    def job() -> None:
        logging.getLogger("frontdesk.test").warning("in the job")
        seen.append(request_id.current.get())

    token = request_id.current.set("req-7")
    try:
        job()
    finally:
        request_id.current.reset(token)
    [task] = huey.pending()
    assert request_id.job_request_id(task.id) == "req-7"
    assert request_id.job_enqueued_at(task.id) is not None

    # The worker runs it on a thread of its own, where no request is going on.
    caplog.set_level(logging.INFO)
    worker = threading.Thread(target=lambda: huey.execute(huey.dequeue()))
    worker.start()
    worker.join(10)
    assert seen == ["req-7"]
    [line] = [r for r in caplog.records if r.name == "frontdesk.test"]
    assert request_id.RequestIdFilter().filter(line)
    assert line.request_id == "req-7"  # type: ignore[attr-defined]


def test_metrics_answer_this_machine_without_a_token_and_nobody_else(settings: Settings) -> None:
    settings.FRONTDESK_METRICS_TOKEN = ""
    answer = Client().get("/metrics")
    assert answer.status_code == 200
    assert b"frontdesk_http_request_duration_seconds" in answer.content
    assert b'frontdesk_metrics_source_up{source="outbox"} 1.0' in answer.content
    proxied = Client().get("/metrics", headers={"X-Forwarded-For": "203.0.113.7"})
    assert proxied.status_code == 404
    assert Client(REMOTE_ADDR="203.0.113.7").get("/metrics").status_code == 404


def test_with_a_token_metrics_answer_only_the_token(settings: Settings) -> None:
    settings.FRONTDESK_METRICS_TOKEN = "s3cret"
    assert Client().get("/metrics").status_code == 404
    wrong = Client().get("/metrics", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 404
    right = Client(REMOTE_ADDR="203.0.113.7").get(
        "/metrics", headers={"Authorization": "Bearer s3cret"}
    )
    assert right.status_code == 200


def test_open_live_streams_are_counted(customer: object) -> None:
    def open_now() -> float:
        return REGISTRY.get_sample_value("frontdesk_live_streams_open") or 0.0

    before = open_now()
    lease = stream_lease_take(user_id=1, ip="198.51.100.1", wsgi=False)
    assert open_now() == before + 1
    lease.release()
    lease.release()
    assert open_now() == before
