"""The cast of the teams tests: Alice in Front desk, Bob in Online, Ada the admin."""

from __future__ import annotations

import pytest

from frontdesk.accounts.models import User
from frontdesk.teams.models import Team
from frontdesk.teams.services import team_create


@pytest.fixture
def front_desk(admin: User, agent: User) -> Team:
    return team_create(actor=admin, values={"name": "Front desk", "members": [agent.pk]})


@pytest.fixture
def online(admin: User, other_agent: User) -> Team:
    return team_create(actor=admin, values={"name": "Online", "members": [other_agent.pk]})
