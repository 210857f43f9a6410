"""Privacy in the REST API (/api/ticketing/customers/{id}/...): a customer's data export, and
anonymising or deleting a customer (admins). Parse, call one service, render; the rules are in
privacy/services.py."""

from __future__ import annotations

from datetime import datetime

from django.http import FileResponse, HttpRequest
from ninja import Router, Schema
from pydantic import Field

from frontdesk.api.auth import caller
from frontdesk.api.schemas import ErrorOut
from frontdesk.privacy import services
from frontdesk.privacy.models import PrivacyLog

router = Router(tags=["privacy"])

ERRORS = frozenset({400, 401, 403, 404, 429})

EXPORT_DOC = {
    "responses": {
        200: {
            "description": "A zip: data.json and the files the customer may see.",
            "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}},
        }
    }
}


class PrivacyLogOut(Schema):
    id: int
    action: str
    actor: int | None = Field(validation_alias="actor_id")
    customer: int | None = Field(validation_alias="customer_id")
    counts: dict[str, int] = Field(description="What was removed, counted; never the data.")
    note: str
    created_at: datetime


@router.get(
    "/{int:customer_id}/export/",
    response={200: None, ERRORS: ErrorOut},
    url_name="customers_export",
    openapi_extra=EXPORT_DOC,
)
def customers_export(request: HttpRequest, customer_id: int) -> FileResponse:
    """The customer's data as a zip: a customer their own, an admin anyone's."""
    export = services.customer_export(actor=caller(request), customer_id=customer_id)
    return FileResponse(
        export.file, as_attachment=True, filename=export.filename, content_type="application/zip"
    )


@router.post(
    "/{int:customer_id}/anonymise/",
    response={200: PrivacyLogOut, ERRORS: ErrorOut},
    url_name="customers_anonymise",
)
def customers_anonymise(request: HttpRequest, customer_id: int) -> PrivacyLog:
    """Remove the customer's personal data; their tickets and messages stay (admins)."""
    return services.customer_anonymise(actor=caller(request), customer_id=customer_id)


@router.post(
    "/{int:customer_id}/erase/",
    response={200: PrivacyLogOut, ERRORS: ErrorOut},
    url_name="customers_erase",
)
def customers_erase(request: HttpRequest, customer_id: int) -> PrivacyLog:
    """Delete the customer and the tickets they requested, files included (admins)."""
    return services.customer_erase(actor=caller(request), customer_id=customer_id)
