"""Calling the REST API as one of the cast (tickets come from tests.conftest.open_ticket)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from django.test import Client

from frontdesk.accounts.models import User
from frontdesk.accounts.tokens import access_token_issue

BASE = "/api/ticketing"


class Api:
    """A client that speaks JSON, signed in with a bearer token (or anonymous)."""

    def __init__(self, user: User | None = None) -> None:
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {access_token_issue(user)}"} if user else {}

    def call(self, method: str, path: str, body: Any = None, **query: Any) -> Any:
        url = path if path.startswith("/api/") else f"{BASE}{path}"
        kwargs: dict[str, Any] = {"headers": self.headers}
        if body is not None:
            kwargs.update(data=json.dumps(body), content_type="application/json")
        elif query:
            kwargs["data"] = query
        return getattr(self.client, method.lower())(url, **kwargs)

    def get(self, path: str, **query: Any) -> Any:
        return self.call("GET", path, **query)

    def post(self, path: str, body: Any = None) -> Any:
        return self.call("POST", path, body if body is not None else {})

    def patch(self, path: str, body: Any) -> Any:
        return self.call("PATCH", path, body)

    def put(self, path: str, body: Any) -> Any:
        return self.call("PUT", path, body)

    def delete(self, path: str) -> Any:
        return self.call("DELETE", path)


def error_of(response: Any) -> dict[str, Any]:
    data = response.json()
    assert set(data) == {"error"}, data
    assert set(data["error"]) == {"code", "message", "fields"}, data
    return dict(data["error"])


def ids(response: Any) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def iso(moment: datetime) -> str:
    return moment.isoformat()
