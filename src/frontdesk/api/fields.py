"""Custom field definitions in the REST API (/api/ticketing/fields/): everyone signed in reads
the fields they may see (customers: the active customer-visible ones, to fill in when opening
a ticket); admins define, change and delete them. Values are set on the ticket itself
(``custom_fields`` of POST and PATCH /tickets/). Rules: fields/services.py."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from pydantic import ConfigDict

from frontdesk.api.auth import caller
from frontdesk.api.schemas import ErrorOut
from frontdesk.fields import selectors, services
from frontdesk.fields.models import FieldDefinition, FieldType

router = Router(tags=["Custom fields"])

LIST = frozenset({401, 429})
READ = frozenset({401, 404, 429})
WRITE = frozenset({400, 401, 403, 404, 413, 415, 429})
DELETE = frozenset({401, 403, 404, 429})

TYPES = ", ".join(FieldType.values)
TEAM = (
    "An active team's id: the field applies to that team's tickets only (shown, set, "
    "required at opening). Left out or null: every ticket."
)


def _answers(ok: dict[int, Any], errors: frozenset[int]) -> dict[Any, Any]:
    return {**ok, errors: ErrorOut}


class FieldOut(Schema):
    id: int
    key: str = Field(description="Names the field in custom_fields, filters and CSV columns.")
    label: str
    type: str = Field(description=f"One of {TYPES}.")
    choices: list[str] = Field(description="The options of a choice field.")
    help_text: str
    required: bool = Field(description="Must be given when a ticket is opened.")
    customer_visible: bool = Field(description="Customers see and set it; else staff-only.")
    active: bool
    position: int
    team: int | None = Field(
        description="The team whose tickets have it (its id); null: every ticket."
    )
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_team(obj: FieldDefinition) -> int | None:
        return obj.team_id


class FieldIn(Schema):
    model_config = ConfigDict(extra="forbid")

    key: str = Field(
        max_length=40, description="Lowercase letters, digits and _, starting with a letter."
    )
    label: str = Field(max_length=100)
    type: str = Field("text", description=f"One of {TYPES}.")
    choices: list[str] = []
    help_text: str = ""
    required: bool = False
    customer_visible: bool = False
    active: bool = True
    position: int | None = None
    team: int | None = Field(None, description=TEAM)


class FieldPatchIn(Schema):
    model_config = ConfigDict(extra="forbid")

    key: str | None = Field(None, max_length=40)
    label: str | None = Field(None, max_length=100)
    type: str | None = None
    choices: list[str] | None = None
    help_text: str | None = None
    required: bool | None = None
    customer_visible: bool | None = None
    active: bool | None = None
    position: int | None = None
    team: int | None = Field(None, description=TEAM + " Null makes it global.")


def _values(payload: Schema) -> dict[str, Any]:
    """What the payload sets; a null leaves a setting as it is, but ``team`` null makes the
    field global."""
    return {
        name: value
        for name, value in payload.model_dump(exclude_unset=True).items()
        if value is not None or name == "team"
    }


@router.get("/", response=_answers({200: list[FieldOut]}, LIST), url_name="fields_list")
def fields_list(request: HttpRequest) -> list[FieldDefinition]:
    """The fields you may see, in order: staff every one (inactive too), customers the
    active customer-visible ones."""
    return selectors.fields_listed(user=caller(request))


@router.post("/", response=_answers({201: FieldOut}, WRITE), url_name="fields_create")
def fields_create(request: HttpRequest, payload: FieldIn) -> Status[FieldDefinition]:
    """A new field (admins), last unless a position is given."""
    field = services.field_define(actor=caller(request), values=_values(payload))
    return Status(201, field)


@router.get("/{int:field_id}/", response=_answers({200: FieldOut}, READ), url_name="fields_detail")
def fields_detail(request: HttpRequest, field_id: int) -> FieldDefinition:
    return selectors.field_get(user=caller(request), field_id=field_id)


@router.patch(
    "/{int:field_id}/", response=_answers({200: FieldOut}, WRITE), url_name="fields_patch"
)
def fields_patch(request: HttpRequest, field_id: int, payload: FieldPatchIn) -> FieldDefinition:
    """Change a field (admins). Its type and key stay while tickets have values for it."""
    return services.field_change(actor=caller(request), field_id=field_id, values=_values(payload))


@router.delete("/{int:field_id}/", response=_answers({204: None}, DELETE), url_name="fields_delete")
def fields_delete(request: HttpRequest, field_id: int) -> Status[None]:
    """Delete a field and its values (admins); the tickets' history keeps what was set."""
    services.field_delete(actor=caller(request), field_id=field_id)
    return Status(204, None)
