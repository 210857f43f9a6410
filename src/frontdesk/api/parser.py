"""Request bodies are JSON, and say so; the upload endpoints alone read multipart forms."""

from __future__ import annotations

import json
from typing import Any, cast

from django.http import HttpRequest
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext_noop
from ninja.parser import Parser

from frontdesk.api.errors import UnsupportedMediaType
from frontdesk.core.errors import InvalidInput

MULTIPART = "multipart/form-data"
ONE_FILE = gettext_noop("Send one file per request, in the field file.")


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


def check_upload(request: HttpRequest, fields: frozenset[str]) -> None:
    """An upload's form: unknown fields are refused, never ignored; so is a second file (the
    file is always the field ``file``)."""
    unknown = sorted(set(request.POST) - fields) + sorted(set(request.FILES) - {"file"})
    if unknown:
        raise InvalidInput(
            gettext_noop("Unknown field %(name)s."),
            values={"name": repr(unknown[0])},
            field=unknown[0],
        )
    if len(request.FILES.getlist("file")) > 1:
        raise InvalidInput(ONE_FILE, field="files")
