"""What the OpenAPI document says beyond Ninja's operations: the ``Idempotency-Key`` header
that every write takes (core/idempotency.py, wrapped around the operations in api/urls.py)."""

from __future__ import annotations

from typing import Any

from ninja import NinjaAPI
from ninja.openapi.schema import OpenAPISchema

from frontdesk.core.idempotency import UNSAFE_METHODS

IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": (
        "Send the same key again to retry this write safely: within 24 hours a request with "
        "the same key, method, path and body gets the first answer again (with "
        "`Idempotent-Replayed: true`) and changes nothing. The same key with another "
        "request is 422; while the first is still running, 409. Keys are per user."
    ),
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[!-~]+$"},
}
ERROR = {"$ref": "#/components/schemas/ErrorOut"}
KEY_ANSWERS = {
    "400": "Invalid input; also an Idempotency-Key that is not 1 to 255 visible characters.",
    "409": "A request with this key is still being processed; retry in a moment.",
    "422": "This key was already used for a different request.",
}


class DocumentedAPI(NinjaAPI):
    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        for operations in schema.get("paths", {}).values():
            for method, operation in operations.items():
                if method.upper() not in UNSAFE_METHODS:
                    continue
                operation.setdefault("parameters", []).append(IDEMPOTENCY_KEY)
                responses = operation.setdefault("responses", {})
                declared = {str(status) for status in responses}  # Ninja's keys are ints
                for status, description in KEY_ANSWERS.items():
                    if status not in declared:
                        responses[int(status)] = {
                            "description": description,
                            "content": {"application/json": {"schema": ERROR}},
                        }
        return schema
