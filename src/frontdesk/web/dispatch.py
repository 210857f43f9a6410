"""SupportMe serves its pages and its JSON API at the same paths (GET /login is a page,
POST /login is the API). A POST that carries a CSRF form token is a page's form; anything
else is an API call, answered by the bearer-token JSON view without cookie-based CSRF."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest, HttpResponse, QueryDict
from django.utils import translation
from django.views.decorators.csrf import csrf_exempt, csrf_protect

ViewFunc = Callable[..., HttpResponse]


def is_form_submission(request: HttpRequest) -> bool:
    if request.content_type == "multipart/form-data":
        return True  # JSON clients never send multipart bodies
    if request.content_type != "application/x-www-form-urlencoded":
        return False
    # curl -d '{...}' sends JSON labelled as a form. A JSON text starts with one of these;
    # an encoded form never does (its field names are percent-encoded).
    try:
        body = request.body
        if body.lstrip()[:1] in (b"{", b"[", b'"'):
            return False
        return "csrfmiddlewaretoken" in QueryDict(body)
    except SuspiciousOperation:
        return False  # too large or too many fields: the API answers in JSON


def page_or_api(page: ViewFunc, api: ViewFunc | None) -> ViewFunc:
    protected_page = csrf_protect(page)

    @csrf_exempt
    def view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # The API also answers methods the page does not know (405 in JSON).
        is_page_request = request.method in ("GET", "HEAD") or (
            request.method == "POST" and is_form_submission(request)
        )
        if api is not None and not is_page_request:
            # The JSON API's texts are a contract: English whatever Accept-Language says.
            translation.activate("en")
            request.LANGUAGE_CODE = "en"
            return api(request, *args, **kwargs)
        return protected_page(request, *args, **kwargs)

    return view
