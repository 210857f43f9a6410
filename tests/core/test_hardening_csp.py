"""Content-Security-Policy on every page, pages that need no inline code, and the local
report endpoint (docs/security.md "Hardening")."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import pytest
from django.test import Client

from frontdesk.accounts.models import User
from frontdesk.tickets.models import Ticket

SRC = Path(__file__).resolve().parents[2] / "src" / "frontdesk"


def _signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _directives(header: str) -> dict[str, str]:
    parts = (part.strip().split(" ", 1) for part in header.split(";") if part.strip())
    return {part[0]: part[1] if len(part) > 1 else "" for part in parts}


def _assert_strict(response) -> None:  # type: ignore[no-untyped-def]
    header = response.headers.get("Content-Security-Policy")
    assert header, response.request["PATH_INFO"]
    policy = _directives(header)
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert policy["object-src"] == "'none'"
    assert policy["base-uri"] == "'self'"
    assert policy["form-action"] == "'self'"
    assert policy["report-uri"] == "/csp-report"
    assert "unsafe-inline" not in header and "unsafe-eval" not in header


@pytest.mark.django_db
def test_signed_out_pages_send_the_policy() -> None:
    client = Client()
    for path in ("/login", "/register"):
        response = client.get(path)
        assert response.status_code == 200
        _assert_strict(response)


def test_pages_of_each_role_send_the_policy(
    admin: User, agent: User, customer: User, ticket: Ticket
) -> None:
    pages = {
        customer: ["/home", "/profile", "/ticket/new", f"/ticket/{ticket.pk}"],
        agent: ["/home", "/profile", f"/ticket/{ticket.pk}", "/replies", "/mail/held"],
        admin: ["/admin/", "/admin/accounts/user/", f"/admin/accounts/user/{customer.pk}/change/"],
    }
    for user, paths in pages.items():
        client = _signed_in(user)
        for path in paths:
            response = client.get(path)
            assert response.status_code == 200, path
            _assert_strict(response)
            html = response.content.decode()
            assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)", html), path
            assert "<style" not in html, path
            assert not re.search(r"\sstyle=", html), path
            assert not re.search(r"\son[a-z]+=", html), path


def test_the_api_docs_run_under_the_policy(agent: User) -> None:
    response = _signed_in(agent).get("/api/ticketing/docs")
    assert response.status_code == 200
    _assert_strict(response)
    html = response.content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)", html)


def test_htmx_injects_no_style_element() -> None:
    """htmx adds a <style> for its indicators unless told not to; the policy would refuse it
    (a console error on every page), so the config turns it off and frontdesk.css has them."""
    htmx = (SRC / "web/templates/web/_htmx.html").read_text()
    assert '"includeIndicatorStyles": false' in htmx
    assert ".htmx-indicator" in (SRC / "web/static/frontdesk/frontdesk.css").read_text()


def _page_templates() -> list[Path]:
    return [
        path
        for path in SRC.glob("*/templates/**/*.html")
        # Mail bodies are not pages: mail clients need inline styles there.
        if "/notifications/mail/" not in str(path) and "/mail/templates/" not in str(path)
    ]


def test_no_page_template_has_inline_script_or_style() -> None:
    templates = _page_templates()
    assert len(templates) > 20
    for path in templates:
        text = path.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)", text), path
        assert "<style" not in text, path
        assert not re.search(r"\sstyle=", text), path
        assert not re.search(r"\son[a-z]+=", text), path
        assert "hx-on" not in text, path


# --- the report endpoint ------------------------------------------------------------------

REPORT = {
    "csp-report": {
        "document-uri": "http://127.0.0.1:8000/home",
        "violated-directive": "script-src 'self'",
        "effective-directive": "script-src-elem",
        "blocked-uri": "inline",
    }
}


@pytest.mark.django_db
def test_a_report_is_logged_in_one_line(caplog: pytest.LogCaptureFixture) -> None:
    client = Client(enforce_csrf_checks=True)
    with caplog.at_level(logging.WARNING, logger="frontdesk.csp"):
        response = client.post(
            "/csp-report", json.dumps(REPORT), content_type="application/csp-report"
        )
    assert response.status_code == 204
    lines = [r.getMessage() for r in caplog.records if r.name == "frontdesk.csp"]
    assert len(lines) == 1
    assert "effective-directive=script-src-elem" in lines[0]
    assert "document-uri=http://127.0.0.1:8000/home" in lines[0]


@pytest.mark.django_db
def test_a_report_too_large_or_unreadable_is_not_parsed(caplog: pytest.LogCaptureFixture) -> None:
    client = Client()
    with caplog.at_level(logging.WARNING, logger="frontdesk.csp"):
        big = client.post("/csp-report", "x" * 100_000, content_type="application/csp-report")
        junk = client.post("/csp-report", "\x00{", content_type="application/csp-report")
    assert big.status_code == junk.status_code == 204
    lines = [r.getMessage() for r in caplog.records if r.name == "frontdesk.csp"]
    assert "over 8192 bytes" in lines[0]
    assert lines[1] == "CSP violation: unreadable report"


@pytest.mark.django_db
def test_reports_are_rate_limited_per_address(caplog: pytest.LogCaptureFixture, settings) -> None:  # type: ignore[no-untyped-def]
    settings.FRONTDESK_RATE_LIMITS = {**settings.FRONTDESK_RATE_LIMITS, "csp_report_ip": "3/minute"}
    client = Client()
    with caplog.at_level(logging.WARNING, logger="frontdesk.csp"):
        answers = [
            client.post("/csp-report", json.dumps(REPORT), content_type="application/json")
            for _ in range(10)
        ]
    assert {a.status_code for a in answers} == {204}
    assert len([r for r in caplog.records if r.name == "frontdesk.csp"]) == 3


@pytest.mark.django_db
def test_the_report_endpoint_takes_only_post() -> None:
    assert Client().get("/csp-report").status_code == 405


def _both_ways(
    request_nonce: bool = False, **response_attributes: object
) -> tuple[dict[str, str], dict[str, str]]:
    """The CSP headers django-csp's own middleware sets, and ours."""
    from csp.middleware import CSPMiddleware
    from django.http import HttpResponse
    from django.test import RequestFactory

    from frontdesk.core.middleware import ContentSecurityPolicyMiddleware

    answers = []
    for middleware in (CSPMiddleware, ContentSecurityPolicyMiddleware):
        request = RequestFactory().get("/get-open-tickets/1")
        handler = middleware(lambda request: HttpResponse("{}"))  # type: ignore[arg-type]
        handler.process_request(request)
        if request_nonce:
            str(request.csp_nonce)  # type: ignore[attr-defined]
        response = HttpResponse("{}")
        for name, value in response_attributes.items():
            setattr(response, name, value)
        handler.process_response(request, response)
        answers.append({k: v for k, v in response.headers.items() if "Security-Policy" in k})
    return answers[0], answers[1]


def test_the_policy_built_once_is_django_csps(settings) -> None:  # type: ignore[no-untyped-def]
    theirs, ours = _both_ways()
    assert ours == theirs and ours["Content-Security-Policy"]
    settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = {"DIRECTIVES": {"img-src": ["'self'"]}}
    theirs, ours = _both_ways()
    assert ours == theirs and "Content-Security-Policy-Report-Only" in ours
    settings.CONTENT_SECURITY_POLICY = {
        **settings.CONTENT_SECURITY_POLICY,
        "EXCLUDE_URL_PREFIXES": ["/get-open"],
    }
    theirs, ours = _both_ways()
    assert ours == theirs and "Content-Security-Policy" not in ours


def test_a_nonce_or_a_views_own_policy_is_left_to_django_csp() -> None:
    theirs, ours = _both_ways(request_nonce=True)  # the policy names no nonce: the same
    assert ours == theirs and ours["Content-Security-Policy"]
    theirs, ours = _both_ways(_csp_update={"img-src": ["https://example.com"]})
    assert ours == theirs and "https://example.com" in ours["Content-Security-Policy"]
    theirs, ours = _both_ways(_csp_exempt=True)
    assert ours == theirs == {}
