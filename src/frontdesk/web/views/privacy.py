"""Privacy's pages: "Download my data" on a customer's profile, and the confirmation page on
which an admin exports, anonymises or deletes a customer. Rules: privacy/services.py."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils.translation import gettext_noop
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from frontdesk.core.errors import DomainError, InvalidInput, NotAllowed, NotFound, RateLimited
from frontdesk.privacy import selectors, services
from frontdesk.web.pages import PAGE_METHODS, current_user, forbidden, not_found, with_form_error

PAGE = "web/privacy_customer.html"
REFUSED = "web/privacy_refused.html"


def _download(export: services.Export) -> FileResponse:
    return FileResponse(
        export.file, as_attachment=True, filename=export.filename, content_type="application/zip"
    )


def _refused(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return with_form_error(render(request, REFUSED, {"error": exc}), exc)


@never_cache
@require_POST
@login_required
def profile_data_export(request: HttpRequest) -> HttpResponseBase:
    """The signed-in customer's own data, as a zip download."""
    user = current_user(request)
    try:
        export = services.customer_export(actor=user, customer_id=user.pk)
    except NotAllowed as exc:
        return forbidden(request, exc.said())
    except (InvalidInput, RateLimited) as exc:
        return _refused(request, exc)
    return _download(export)


@never_cache
@require_http_methods(PAGE_METHODS)
@login_required
def customer_privacy_page(request: HttpRequest, customer_id: int) -> HttpResponseBase:
    try:
        return _customer_privacy(request, customer_id)
    except NotFound as exc:
        return not_found(request, exc.said())
    except NotAllowed as exc:
        return forbidden(request, exc.said())


def _customer_privacy(request: HttpRequest, customer_id: int) -> HttpResponseBase:
    """What exporting, anonymising or deleting the customer does, and the buttons that do it
    (admins). A POST names its ``action``; the answer says what was done."""
    actor = current_user(request)
    try:
        preview = selectors.customer_privacy_preview(actor=actor, customer_id=customer_id)
    except InvalidInput as exc:
        return _refused(request, exc)
    if request.method != "POST":
        return render(request, PAGE, {"preview": preview})
    action = request.POST.get("action")
    try:
        if action == "export":
            return _download(services.customer_export(actor=actor, customer_id=customer_id))
        if action == "anonymise":
            done = services.customer_anonymise(actor=actor, customer_id=customer_id)
        elif action == "erase":
            done = services.customer_erase(actor=actor, customer_id=customer_id)
        else:
            raise InvalidInput(gettext_noop("Choose export, anonymise or delete."), field="action")
    except (InvalidInput, RateLimited) as exc:
        response = render(request, PAGE, {"preview": preview, "error": exc})
        return with_form_error(response, exc)
    return render(request, "web/privacy_done.html", {"log": done})
