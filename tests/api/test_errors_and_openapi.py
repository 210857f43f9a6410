"""One error shape for every failure, never a 500, and the OpenAPI document."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from frontdesk.accounts.models import User
from tests.api.helpers import BASE, Api, error_of
from tests.api.test_auth import ENDPOINTS
from tests.conftest import open_ticket

pytestmark = pytest.mark.django_db


def test_wrong_method_is_json_405(as_agent: Api) -> None:
    response = as_agent.call("DELETE", "/tickets/")
    assert response.status_code == 405
    assert error_of(response)["code"] == "method_not_allowed"
    assert "GET" in response["Allow"]


@pytest.mark.parametrize("path", ["/nowhere/", "/tickets", "/tickets/abc/", "/"])
def test_unknown_paths_are_json_404(as_agent: Api, path: str) -> None:
    response = as_agent.get(path)
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


def test_not_json_is_415(as_customer: Api) -> None:
    response = as_customer.client.post(
        f"{BASE}/tickets/", {"subject": "x"}, headers=as_customer.headers
    )
    assert response.status_code == 415
    assert error_of(response)["code"] == "unsupported_media_type"


@pytest.mark.parametrize("body", ["{", "[1,2]", '"text"', "null", "1e999999", "[" * 5000])
def test_bad_json_is_400(as_customer: Api, body: str) -> None:
    response = as_customer.client.post(
        f"{BASE}/tickets/", body, content_type="application/json", headers=as_customer.headers
    )
    assert response.status_code == 400
    assert error_of(response)["code"] == "invalid"


def test_too_large_is_413(as_customer: Api, settings: object) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100  # type: ignore[attr-defined]
    body = json.dumps({"subject": "Big one here", "description": "x" * 500})
    response = as_customer.client.post(
        f"{BASE}/tickets/", body, content_type="application/json", headers=as_customer.headers
    )
    assert response.status_code == 413
    assert error_of(response)["code"] == "too_large"


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
@pytest.mark.parametrize(
    "body", [{}, {"subject": None, "content": 5, "status": [], "user_id": "x", "ticket": -1}]
)
def test_never_500(
    as_agent: Api, as_customer: Api, customer: User, method: str, path: str, body: object
) -> None:
    open_ticket(customer)
    for api in (as_agent, as_customer):
        response = api.call(method, path, body if method != "GET" else None)
        assert response.status_code < 500
        if response.status_code >= 400:
            error_of(response)


def test_openapi_lists_every_path(anonymous: Api) -> None:
    response = anonymous.get("/openapi.json")
    assert response.status_code == 200
    document = json.loads(response.content)
    assert document["openapi"].startswith("3.")
    expected = {f"{BASE}{path}".replace("/1/", "/{%s}/") for _method, path in ENDPOINTS}
    paths = {
        path.replace("{ticket_id}", "{%s}")
        .replace("{comment_id}", "{%s}")
        .replace("{event_id}", "{%s}")
        .replace("{attachment_id}", "{%s}")
        .replace("{reply_id}", "{%s}")
        .replace("{organisation_id}", "{%s}")
        .replace("{customer_id}", "{%s}")
        .replace("{view_id}", "{%s}")
        .replace("{policy_id}", "{%s}")
        .replace("{calendar_id}", "{%s}")
        .replace("{rule_id}", "{%s}")
        .replace("{entry_id}", "{%s}")
        .replace("{other_id}", "{%s}")
        .replace("{user_id}", "{%s}")
        .replace("{person_id}", "{%s}")
        .replace("{field_id}", "{%s}")
        .replace("{team_id}", "{%s}")
        .replace("{agent_id}", "{%s}")
        .replace("{webhook_id}", "{%s}")
        .replace("{delivery_id}", "{%s}")
        .replace("{article_id}", "{%s}")
        .replace("{version_number}", "{%s}")
        .replace("{image_id}", "{%s}")
        for path in document["paths"]
    }
    assert paths == expected
    for path, methods in document["paths"].items():
        for method in methods:
            assert (method.upper(), path) is not None
    schemes = document["components"]["securitySchemes"]
    assert {scheme["type"] for scheme in schemes.values()} == {"http", "apiKey"}


def test_docs_use_only_local_assets(anonymous: Api) -> None:
    response = anonymous.get("/docs")
    assert response.status_code == 200
    page = response.content.decode()
    assert "cdn" not in page.lower()
    assert "https://" not in page and "http://" not in page
    assert "/static/ninja/swagger-ui-bundle.js" in page
    asset = Client().get("/static/ninja/swagger-ui-bundle.js")
    assert asset.status_code == 200


def test_no_two_schemas_share_a_name() -> None:
    """The OpenAPI document names each schema by its class name alone: two classes with one
    name make one component, and every answer of the other is then checked against the
    wrong shape (the statistics' satisfaction once was, by the reports' class)."""
    from ninja import Schema

    import frontdesk.api.urls  # noqa: F401 (every router, so every schema class, is loaded)

    def subclasses(cls: type) -> list[type]:
        return [cls, *(sub for direct in cls.__subclasses__() for sub in subclasses(direct))]

    ours = [
        cls
        for cls in subclasses(Schema)
        if cls.__module__.startswith("frontdesk.") and not cls.__name__.startswith("_")
    ]
    names = [cls.__name__ for cls in ours]
    assert sorted({name for name in names if names.count(name) > 1}) == []
