"""Request bodies are JSON, and say so."""

from __future__ import annotations

import json
from typing import Any, cast

from django.http import HttpRequest
from ninja.parser import Parser

from frontdesk.api.errors import UnsupportedMediaType


class JsonParser(Parser):
    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        if request.content_type != "application/json":
            raise UnsupportedMediaType(request.content_type)
        return cast(dict[str, Any], json.loads(request.body))
