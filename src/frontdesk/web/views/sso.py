"""Single sign-on's two addresses: off to the provider, and back (accounts/oidc.py signs in).
Both answer 404 on a desk where single sign-on is not set up."""

from __future__ import annotations

from functools import cache
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from frontdesk.accounts import two_factor
from frontdesk.accounts.sso import sso_config


@cache
def _views() -> tuple[Any, Any]:
    """The provider's two views, made on first use: mozilla-django-oidc (about 50 modules) is
    imported only by a desk that has single sign-on set up and a visitor who uses it."""
    from mozilla_django_oidc.views import (
        OIDCAuthenticationCallbackView,
        OIDCAuthenticationRequestView,
    )

    class _BackFromProvider(OIDCAuthenticationCallbackView):
        def login_success(self) -> HttpResponse:
            # Someone who turned two-factor on gives their code after the provider too, as
            # after a password: the provider proves who they are, not that they hold their
            # authenticator.
            if two_factor.sign_in_second_step(self.request.session, self.user):
                target = self.request.session.pop("oidc_login_next", None) or ""
                query = f"?{urlencode({'next': target})}" if target else ""
                return HttpResponseRedirect(f"/login/code{query}")
            response: HttpResponse = super().login_success()
            return response

    return OIDCAuthenticationRequestView.as_view(), _BackFromProvider.as_view()


@require_GET
@never_cache
def sso_start(request: HttpRequest) -> HttpResponse:
    if sso_config() is None:
        raise Http404
    response: HttpResponse = _views()[0](request)
    return response


@require_GET
@never_cache
def sso_callback(request: HttpRequest) -> HttpResponse:
    if sso_config() is None:
        raise Http404
    response: HttpResponse = _views()[1](request)
    return response
