"""The Content-Security-Policy report endpoint (``POST /csp-report``).

Browsers post a JSON report when a page breaks the policy (settings ``CONTENT_SECURITY_POLICY``).
The endpoint logs one line per report and answers 204. It is open to anyone (browsers send no
cookies or CSRF token with reports), so it reads at most ``REPORT_MAX_BYTES``, logs only a few
short fields, and counts reports per address (rate limit ``csp_report_ip``): past the limit it
still answers 204 and logs nothing, so a noisy or hostile client cannot fill the log.
"""

from __future__ import annotations

import json
import logging

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from frontdesk.accounts.sessions import client_ip
from frontdesk.core.errors import RateLimited
from frontdesk.core.ratelimit import limits_hit

logger = logging.getLogger("frontdesk.csp")

REPORT_MAX_BYTES = 8 * 1024
CSP_REPORT_IP = "csp_report_ip"
_FIELDS = ("document-uri", "violated-directive", "effective-directive", "blocked-uri")


def _short(value: object) -> str:
    text = str(value)[:200]
    return "".join(ch if ch.isprintable() else "?" for ch in text)


def _summary(body: bytes) -> str:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return "unreadable report"
    report = data.get("csp-report") if isinstance(data, dict) else None
    if isinstance(data, list) and data and isinstance(data[0], dict):  # the Reporting API
        part = data[0].get("body")
        if isinstance(part, dict):
            report = {
                "document-uri": part.get("documentURL"),
                "effective-directive": part.get("effectiveDirective"),
                "blocked-uri": part.get("blockedURL"),
            }
    if not isinstance(report, dict):
        return "unreadable report"
    return " ".join(f"{name}={_short(report.get(name))}" for name in _FIELDS if name in report)


@csrf_exempt
@require_POST
def csp_report(request: HttpRequest) -> HttpResponse:
    try:
        limits_hit((CSP_REPORT_IP, client_ip(request)))
    except RateLimited:
        return HttpResponse(status=204)
    body = request.read(REPORT_MAX_BYTES + 1)
    if not body or len(body) > REPORT_MAX_BYTES:
        logger.warning("CSP report refused: empty or over %d bytes", REPORT_MAX_BYTES)
        return HttpResponse(status=204)
    logger.warning("CSP violation: %s", _summary(body))
    return HttpResponse(status=204)
