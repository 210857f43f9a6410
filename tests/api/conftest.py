from __future__ import annotations

import pytest

from frontdesk.accounts.models import User
from tests.api.helpers import Api


@pytest.fixture
def as_admin(admin: User) -> Api:
    return Api(admin)


@pytest.fixture
def as_agent(agent: User) -> Api:
    return Api(agent)


@pytest.fixture
def as_customer(customer: User) -> Api:
    return Api(customer)


@pytest.fixture
def as_other_customer(other_customer: User) -> Api:
    return Api(other_customer)


@pytest.fixture
def anonymous(db: None) -> Api:
    return Api()
