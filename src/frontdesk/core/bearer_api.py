"""The SupportMe API's calls with a bearer token take a shorter middleware chain.

Such a call (a bearer token, no cookie at all: core.middleware.is_bearer_only) has no session
to load or save, no flash messages, no CSRF form, no page time zone and no htmx: the middleware
for those only look at it and pass it on. Each still cost its layer of the chain: together a
quarter of the CPU of a SupportMe read (docs/decisions.md, 78). So a SupportMe API call
goes through ``settings.MIDDLEWARE`` without :data:`SKIPPED`, and with :data:`REPLACED` in
place, and everything else through the whole chain. Only the listed middleware are left out:
one added to the settings later runs for these calls too.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.core.handlers.base import BaseHandler
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers

from frontdesk.accounts.middleware import use_language
from frontdesk.core.middleware import carries_bearer_token

# Each does nothing for a bearer call without cookies to the SupportMe API (tested by running
# the seed's contract tables through this chain: tests/supportme/conftest.py).
SKIPPED = frozenset(
    {
        "whitenoise.middleware.WhiteNoiseMiddleware",  # static files only
        "frontdesk.core.middleware.SecureCookiesMiddleware",  # no cookie is set
        "frontdesk.core.middleware.ActivitySessionMiddleware",  # no session (is_bearer_only)
        "django.middleware.csrf.CsrfViewMiddleware",  # the API's views are csrf_exempt
        "django.contrib.messages.middleware.MessageMiddleware",  # no flash messages
        "frontdesk.accounts.middleware.SessionTimeoutMiddleware",  # no session to time out
        "frontdesk.accounts.middleware.TimeZoneMiddleware",  # the server's zone, as anonymous
        "django_htmx.middleware.HtmxMiddleware",  # not a page
        "frontdesk.accounts.middleware.TwoFactorRequiredMiddleware",  # bearer tokens pass it
        "frontdesk.accounts.middleware.UserLanguageMiddleware",  # English: EnglishAnswers
    }
)


class EnglishAnswers:
    """What LocaleMiddleware and UserLanguageMiddleware come to for a SupportMe API call: it is
    answered in English (a contract) whatever Accept-Language says. Reading that header and the
    path for a language the answer never takes cost a read 0.04 of its 0.3 ms."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        use_language(request, "en")
        response = self.get_response(request)
        # The headers LocaleMiddleware gives every answer (no i18n_patterns here).
        patch_vary_headers(response, ("Accept-Language",))
        response.headers.setdefault("Content-Language", "en")
        return response


REPLACED = {"django.middleware.locale.LocaleMiddleware": f"{__name__}.EnglishAnswers"}

# SupportMe's JSON paths: its reads, and the writes it shares with the pages (a POST that is
# not a form is the API's: web/dispatch.py). /login and /register carry no token yet.
_READ = re.compile(
    r"/get-(profile|ticket|open-tickets|closed-tickets|messages)/\d+|/get-unclaimed-tickets(/\d+)?"
)
_WRITE = re.compile(r"/ticket/(new|\d+)|/profile")
_FORMS = ("multipart/form-data", "application/x-www-form-urlencoded")


def is_bearer_api_call(environ: dict[str, Any]) -> bool:
    """A SupportMe API call with a bearer token and no cookie (from the WSGI environ)."""
    if environ.get("HTTP_COOKIE") or not carries_bearer_token(environ):
        return False
    method, path = environ.get("REQUEST_METHOD"), environ.get("PATH_INFO", "")
    if method == "GET":
        return _READ.fullmatch(path) is not None
    if method == "POST":
        content_type = environ.get("CONTENT_TYPE", "").split(";")[0].strip().lower()
        return content_type not in _FORMS and _WRITE.fullmatch(path) is not None
    return False


class BearerApiChain(BaseHandler):
    """A handler whose chain is ``settings.MIDDLEWARE`` without :data:`SKIPPED`, with
    :data:`REPLACED` in place."""

    def load_middleware(self, is_async: bool = False) -> None:
        kept = [REPLACED.get(m, m) for m in settings.MIDDLEWARE if m not in SKIPPED]
        with _middleware(kept=kept):
            super().load_middleware(is_async)


@contextmanager
def _middleware(kept: list[str]) -> Iterator[None]:
    # Django's handler builds its chain from settings.MIDDLEWARE and from nothing else.
    whole = settings.MIDDLEWARE
    settings.MIDDLEWARE = kept
    try:
        yield
    finally:
        settings.MIDDLEWARE = whole
