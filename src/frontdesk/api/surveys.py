"""Customer satisfaction in the REST API (/api/ticketing/surveys/): the surveys and their
answers, newest first, filtered; staff only (customers 403). The counts are in
/tickets/statistics/. Rules and reads: satisfaction/."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from frontdesk.api.auth import caller
from frontdesk.api.schemas import ErrorOut
from frontdesk.core.ids import ID_MAX
from frontdesk.satisfaction import selectors
from frontdesk.tickets.filters import team_filter

router = Router(tags=["Customer satisfaction"])

LIST = frozenset({400, 401, 403, 429})
LIMIT_MAX = 200


class SurveyOut(Schema):
    id: int
    ticket: int = Field(validation_alias="ticket_id")
    ticket_number: str = Field(validation_alias="ticket.number")
    requester: int = Field(validation_alias="requester_id")
    agent: int | None = Field(
        validation_alias="agent_id",
        description="The ticket's assignee when the answer was given (until then: when asked).",
    )
    team: int | None = Field(
        validation_alias="team_id",
        description="The ticket's team when the answer was given (until then: when asked).",
    )
    rating: Literal["good", "bad", ""] = Field(description='"" while unanswered.')
    comment: str
    created_at: datetime
    rated_at: datetime | None


class SurveyPageOut(Schema):
    results: list[SurveyOut]
    next_before: int | None = Field(description="Pass as ``before`` for the next page.")


class SurveyQuery(Schema):
    rating: Literal["good", "bad"] | None = None
    agent: int | None = Field(None, ge=1, le=ID_MAX, description="The agent's id.")
    team: str | None = Field(
        None,
        max_length=50,
        description="The team the answer was given in: its id or slug, or none (no team).",
    )
    ticket: int | None = Field(None, ge=1, le=ID_MAX)
    answered: bool | None = None
    rated_after: datetime | None = None
    rated_before: datetime | None = None
    before: int | None = Field(
        None, ge=1, le=ID_MAX, description="Surveys with a smaller id (paging)."
    )
    limit: int = Field(50, ge=1, le=LIMIT_MAX)


@router.get("/", response={200: SurveyPageOut, LIST: ErrorOut}, url_name="surveys_list")
def surveys_list(request: HttpRequest, query: Query[SurveyQuery]) -> dict[str, Any]:
    """The satisfaction surveys, newest first (staff only)."""
    surveys = selectors.surveys_for_api(
        user=caller(request),
        rating=query.rating,
        agent=query.agent,
        **({} if query.team is None else {"team": team_filter(query.team)}),
        ticket=query.ticket,
        answered=query.answered,
        rated_after=query.rated_after,
        rated_before=query.rated_before,
        before=query.before,
    )
    found = list(surveys[: query.limit + 1])
    more = len(found) > query.limit
    found = found[: query.limit]
    return {"results": found, "next_before": found[-1].pk if more else None}
