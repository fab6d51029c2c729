import datetime

import pytest

from alerts import selectors
from alerts.models import Alert
from tests.factories import AlertFactory, CaseFactory, DeadlineFactory, FollowFactory, UserFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2025, 2, 1)


def test_user_follows_are_the_users_own_by_case_title():
    user = UserFactory()
    b = FollowFactory(user=user, case=CaseFactory(title="B case"))
    a = FollowFactory(user=user, case=CaseFactory(title="A case"))
    FollowFactory(case=CaseFactory(title="Another user's"))
    assert list(selectors.user_follows(user=user)) == [a, b]


def test_case_follow_get(case):
    user = UserFactory()
    assert selectors.case_follow_get(user=user, case=case) is None
    follow = FollowFactory(user=user, case=case)
    assert selectors.case_follow_get(user=user, case=case) == follow


def test_upcoming_deadlines_are_the_open_ones_soonest_first(case):
    later = DeadlineFactory(case=case, due_on=datetime.date(2025, 3, 1))
    sooner = DeadlineFactory(case=case, due_on=datetime.date(2025, 2, 5))
    DeadlineFactory(case=case, due_on=datetime.date(2025, 2, 2), done_at=datetime.datetime(2025, 2, 1, tzinfo=datetime.UTC))
    DeadlineFactory(due_on=datetime.date(2025, 2, 3))  # another case
    assert list(selectors.case_deadlines_upcoming(case=case)) == [sooner, later]


def test_user_alerts_are_the_users_own_newest_first(django_assert_num_queries):
    user = UserFactory()
    older, newer = AlertFactory(recipient=user), AlertFactory(recipient=user)
    AlertFactory()
    with django_assert_num_queries(1):
        rows = list(selectors.user_alerts(user=user))
        [row.headline for row in rows]
    assert rows == [newer, older]


def test_digest_items_are_grouped_by_case():
    user = UserFactory()
    digest = AlertFactory(recipient=user, kind=Alert.Kind.DIGEST, event=None, case=None, digest_on=TODAY)
    zed = AlertFactory(recipient=user, event__case=CaseFactory(title="Zed"), channel="digest", digest=digest)
    abe = AlertFactory(recipient=user, event__case=CaseFactory(title="Abe"), channel="digest", digest=digest)
    AlertFactory(recipient=user, channel="digest")  # waiting for the next digest
    assert selectors.digest_items(digest=digest) == [abe, zed]


def test_calendar_has_followed_cases_deadlines_open_or_recent():
    user = UserFactory()
    followed = FollowFactory(user=user).case
    coming = DeadlineFactory(case=followed, due_on=datetime.date(2025, 2, 10))
    DeadlineFactory(case=followed, due_on=datetime.date(2024, 6, 1))  # long past
    DeadlineFactory(due_on=datetime.date(2025, 2, 11))  # not followed
    assert list(selectors.user_calendar_deadlines(user_id=user.pk, today=TODAY)) == [coming]
