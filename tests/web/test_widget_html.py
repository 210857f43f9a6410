"""The workspace's filter widgets are made once per process for the same field, value,
choices and error state (web/jinja2env.widget): the HTML must be what Django writes."""

from __future__ import annotations

import pytest

from frontdesk.accounts.models import User
from frontdesk.tickets.selectors import AgentName
from frontdesk.web.forms import WorkspaceForm
from frontdesk.web.jinja2env import widget

pytestmark = pytest.mark.django_db


def _html(form: WorkspaceForm) -> dict[str, tuple[str, str]]:
    """Each field: (as the cache gives it, as Django writes it)."""
    fields = [form["q"], *form.filter_fields()]
    return {field.name: (str(widget(field)), str(field)) for field in fields}


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"status": "open", "priority": "high", "q": "boiler <b>"},
        {"status": "nonsense", "sort": "sideways"},  # refused values: the fields' errors
        {"assigned_to": "unassigned"},
    ],
)
def test_a_cached_widget_is_what_django_writes(agent: User, data: dict[str, str]) -> None:
    agents = [AgentName(agent.pk, agent.username)]
    for _ in range(2):  # the first call makes it, the second reads it back
        form = WorkspaceForm(data, agents=agents)
        form.is_valid()
        for cached, written in _html(form).values():
            assert cached == written


def test_a_widget_follows_its_value_and_choices(agent: User, other_agent: User) -> None:
    one = [AgentName(agent.pk, agent.username)]
    both = [*one, AgentName(other_agent.pk, other_agent.username)]
    first = _html(WorkspaceForm({"status": "open"}, agents=one))
    other_value = _html(WorkspaceForm({"status": "pending"}, agents=one))
    more_agents = _html(WorkspaceForm({"status": "open"}, agents=both))
    assert first["status"][0] != other_value["status"][0]
    assert 'value="pending" selected' in other_value["status"][0]
    assert other_agent.username not in first["assigned_to"][0]
    assert other_agent.username in more_agents["assigned_to"][0]
