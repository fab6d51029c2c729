import datetime

import pytest

from tests.factories import CaseFactory, UserFactory


@pytest.fixture
def analyst(db):
    return UserFactory(username="test-analyst")


@pytest.fixture
def case(db):
    return CaseFactory(stage_entered_on=datetime.date(2024, 8, 15))


@pytest.fixture(scope="session", autouse=True)
def celery_broker_for_tests():
    """Tests never publish to the broker a local `make run` worker reads (var/broker).

    CI's second pass gives a dedicated Redis database, used as is; otherwise an in-memory broker."""
    from tracker.celery import app

    if not str(app.conf.broker_url).startswith("redis://"):
        app.conf.broker_url = "memory://"
        # The memory transport polls; the default second per poll would slow every wait on a task.
        app.conf.broker_transport_options = {"polling_interval": 0.02}
    yield app


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    """A deliberately slow hash costs ~0.3 s per user created; tests need no protection from brute force."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
