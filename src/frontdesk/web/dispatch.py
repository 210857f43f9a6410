"""SupportMe serves its pages and its JSON API at the same paths (GET /login is a page,
POST /login is the API). A POST that carries a CSRF form token is a page's form; anything
else is an API call, answered by the bearer-token JSON view without cookie-based CSRF."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, QueryDict
from django.views.decorators.csrf import csrf_exempt, csrf_protect

ViewFunc = Callable[..., HttpResponse]


def is_form_submission(request: HttpRequest) -> bool:
    if request.content_type == "multipart/form-data":
        return True  # JSON clients never send multipart bodies
    if request.content_type != "application/x-www-form-urlencoded":
        return False
    # curl -d '{...}' sends JSON labelled as a form: only a real form carries the CSRF token.
    try:
        return "csrfmiddlewaretoken" in QueryDict(request.body)
    except RequestDataTooBig:
        return False  # the API answers 413 in JSON


def page_or_api(page: ViewFunc, api: ViewFunc | None) -> ViewFunc:
    protected_page = csrf_protect(page)

    @csrf_exempt
    def view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if api is not None and request.method == "POST" and not is_form_submission(request):
            return api(request, *args, **kwargs)
        return protected_page(request, *args, **kwargs)

    return view
