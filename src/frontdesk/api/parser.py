"""Request bodies are JSON, and say so; the upload endpoints alone read multipart forms."""

from __future__ import annotations

import json
from typing import Any, cast

from django.http import HttpRequest
from django.utils.datastructures import MultiValueDict
from ninja.parser import Parser

from frontdesk.api.errors import UnsupportedMediaType

MULTIPART = "multipart/form-data"


class JsonParser(Parser):
    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        if request.content_type != "application/json":
            raise UnsupportedMediaType(request.content_type or "")
        return cast(dict[str, Any], json.loads(request.body))

    def parse_querydict(
        self, data: MultiValueDict[str, Any], list_fields: list[str], request: HttpRequest
    ) -> dict[str, Any]:
        """Query strings, and the form fields and files of the upload endpoints (``Form``
        and ``File`` parameters): those only from a multipart body."""
        if data is not request.GET and request.content_type != MULTIPART:
            raise UnsupportedMediaType(request.content_type or "", MULTIPART)
        return super().parse_querydict(data, list_fields, request)
