import datetime

import pytest

from tests.factories import CaseFactory, UserFactory


@pytest.fixture
def analyst(db):
    return UserFactory(username="test-analyst")


@pytest.fixture
def case(db):
    return CaseFactory(stage_entered_on=datetime.date(2024, 8, 15))
