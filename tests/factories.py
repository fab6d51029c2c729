import datetime
import itertools

import factory
from django.contrib.auth import get_user_model

from cases.dates import DatePrecision, partial_date_bounds
from cases.models import StatusCategory, Case, CaseParty, Event, Authority, Person, PersonName, Source, Stage, Statement, Treaty


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def groups(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.add(*extracted)
        if create:
            self.save()


def user_in_role(role: str, username: str):
    """A user holding one of the three roles, the role groups created first if missing."""
    from cases import roles

    roles.roles_sync()
    user = UserFactory(username=username)
    roles.user_set_role(user=user, role=role)
    return user


def event_form_data(**fields) -> dict:
    """What an event form posts: its fields, and an empty set of source rows."""
    return {
        "sources-TOTAL_FORMS": "0", "sources-INITIAL_FORMS": "0", "sources-MIN_NUM_FORMS": "0",
        "sources-MAX_NUM_FORMS": "10", "confidence": "reported",
    } | fields


class TreatyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Treaty

    name = factory.Sequence(lambda n: f"Extradition Treaty No. {n}")
    countries = ["IN", "US"]


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    name = factory.Faker("name")


class PersonNameFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PersonName

    person = factory.SubFactory(PersonFactory)
    name = factory.Faker("name")


class AuthorityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Authority

    name = factory.Sequence(lambda n: f"Court {n}")
    country = "US"
    level = Authority.Level.FIRST_INSTANCE


class CaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Case

    title = factory.Sequence(lambda n: f"Case {n} (US → India)")
    reference = factory.Sequence(lambda n: f"case-{n}")
    requesting_state = "IN"
    requested_state = "US"
    offences = "Fraud"
    stage = Stage.REQUEST_MADE
    # What services.case_search_text would give a case with no one on it yet.
    search_text = factory.LazyAttribute(lambda c: "\n".join([c.title, c.reference, c.offences]))


class CasePartyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CaseParty

    case = factory.SubFactory(CaseFactory)
    person = factory.SubFactory(PersonFactory)
    role = CaseParty.Role.PERSON_SOUGHT


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Source

    url = factory.Sequence(lambda n: f"https://news.example.org/story-{n}")
    title = factory.Sequence(lambda n: f"Story {n}")
    publisher = "Example News"


class StatementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Statement

    government = "IN"
    body = "Ministry of External Affairs"
    channel = Statement.Channel.BRIEFING
    quote = "We are working with the other side."


class EventFactory(factory.django.DjangoModelFactory):
    """A status update by default; pass kind and its fields for other kinds."""

    class Meta:
        model = Event

    case = factory.SubFactory(CaseFactory)
    kind = Event.Kind.STATUS
    occurred_on = datetime.date(2025, 1, 21)
    summary = factory.Sequence(lambda n: f"Something happened ({n})")
    date_precision = DatePrecision.DAY
    date_approximate = False
    category = factory.LazyAttribute(lambda o: StatusCategory.OTHER if o.kind == Event.Kind.STATUS else "")
    # What the services would keep: the date's interval, and a place on the timeline in date order
    # (then in order of creation), as if the events had been logged oldest first.
    date_earliest = factory.LazyAttribute(lambda o: _bounds(o).earliest)
    date_latest = factory.LazyAttribute(lambda o: _bounds(o).latest)
    position = factory.LazyAttribute(lambda o: o.occurred_on.toordinal() * 10**9 + next(_positions))


_positions = itertools.count(1)


def _bounds(o):
    return partial_date_bounds(o.occurred_on, precision=o.date_precision, approximate=o.date_approximate)


# Alerts ---------------------------------------------------------------------------------------

from alerts.models import Alert, Deadline, Follow


class ReaderFactory(UserFactory):
    """A user with the viewer role: may read cases, so is sent the alerts of those they follow."""

    @factory.post_generation
    def viewer_role(self, create, extracted, **kwargs):
        from django.contrib.auth.models import Group

        if create:
            self.groups.add(Group.objects.get(name="viewer"))


class FollowFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Follow

    user = factory.SubFactory(ReaderFactory)
    case = factory.SubFactory(CaseFactory)
    delivery = Follow.Delivery.INSTANT
    scope = Follow.Scope.MAJOR


class DeadlineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Deadline

    case = factory.SubFactory(CaseFactory)
    kind = Deadline.Kind.HEARING
    title = factory.Sequence(lambda n: f"Hearing {n}")
    due_on = datetime.date(2025, 2, 10)
    reminder_days = "7,1"


class AlertFactory(factory.django.DjangoModelFactory):
    """A pending instant email about a status event, by default."""

    class Meta:
        model = Alert

    recipient = factory.SubFactory(UserFactory)
    event = factory.SubFactory(EventFactory)
    case = factory.SelfAttribute("event.case")
    kind = Alert.Kind.EVENT
    channel = Alert.Channel.EMAIL
    status = Alert.Status.PENDING
    deadline = None
    deadline_due_on = factory.LazyAttribute(lambda alert: alert.deadline.due_on if alert.deadline else None)


# Record v2 ------------------------------------------------------------------------------------

from cases.models import CaseRelation  # noqa: E402


class CaseRelationFactory(factory.django.DjangoModelFactory):
    """Two matters linked: by default, the same person sought by another state."""

    class Meta:
        model = CaseRelation

    case = factory.SubFactory(CaseFactory)
    related_case = factory.SubFactory(CaseFactory)
    relation = CaseRelation.Relation.SAME_PERSON


# Saved searches -------------------------------------------------------------------------------

from alerts.models import SavedSearch  # noqa: E402


class SavedSearchFactory(factory.django.DjangoModelFactory):
    """A reader's saved case-list filter, emailing each match (the query is taken as given: the
    services clean it, the factory does not)."""

    class Meta:
        model = SavedSearch

    user = factory.SubFactory(ReaderFactory)
    name = factory.Sequence(lambda n: f"Saved search {n}")
    query = "q=Interpol"
    delivery = Follow.Delivery.INSTANT
    scope = Follow.Scope.ALL


class PrivateAddressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "accounts.PrivateAddress"

    user = factory.SubFactory(UserFactory)
    purpose = "feed"
