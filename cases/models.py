"""
The extradition case record.

A case is one matter (one person sought, one requesting and one requested state). Everything that
happens to it is an Event on its timeline; the case's stage is always the result of its latest
stage-change event, written by ``services.case_change_stage`` and nowhere else.
"""

import logging
from contextlib import nullcontext

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connections, models, router, transaction
from django.db.models import Q, Value
from django.db.models.functions import Coalesce
from django.db.models.sql import Query
from django.db.models.sql.constants import SINGLE
from django.urls import reverse
from django_countries.fields import CountryField
from simple_history.models import HistoricalRecords

from tracker.url_patterns import reverse_cached

from .countries import country_name
from .dates import DateBounds, DatePrecision, partial_date_bounds, partial_date_display, partial_date_validate

logger = logging.getLogger(__name__)


class SoftDeletable(models.Model):
    """A record an administrator can delete and bring back: deleting only marks it.

    ``objects`` sees live rows only, so every page, filter and related manager ignores deleted
    ones; ``all_objects`` sees everything, for the admin's restore."""

    deleted_at = models.DateTimeField("deleted at", null=True, blank=True, editable=False, db_index=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name="deleted by",
    )

    class Meta:
        abstract = True

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    def validate_constraints(self, exclude=None):
        """Django's, with the check constraints asked in one query: each costs a query and a
        savepoint otherwise, 24 round trips for an event's eight."""
        using = router.db_for_write(type(self), instance=self)
        if not connections[using].features.supports_comparing_boolean_expr:
            return super().validate_constraints(exclude=exclude)
        failing = _failing_checks(self, exclude=exclude, using=using)
        errors = {}
        for model_class, constraints in self.get_constraints():
            for constraint in constraints:
                try:
                    if type(constraint) is models.CheckConstraint:
                        if id(constraint) in failing:
                            raise ValidationError(constraint.get_violation_error_message(),
                                                  code=constraint.violation_error_code)
                    else:
                        constraint.validate(model_class, self, exclude=exclude, using=using)
                except ValidationError as error:
                    if getattr(error, "code", None) == "unique" and len(constraint.fields) == 1:
                        errors.setdefault(constraint.fields[0], []).append(error)
                    else:
                        errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)


def _failing_checks(instance, *, exclude, using) -> set[int]:
    """The ids of the check constraints that the instance's values break, as ``CheckConstraint.validate``
    decides each (a condition that is unknown passes; one naming an excluded field is skipped)."""
    query, checks = Query(None), []
    for model_class, constraints in instance.get_constraints():
        against = instance._get_field_expression_map(meta=model_class._meta, exclude=exclude)
        for constraint in constraints:
            if type(constraint) is not models.CheckConstraint:
                continue
            if exclude and constraint._expression_refs_exclude(model_class, constraint.condition, exclude):
                continue
            if not checks:
                for name, value in against.items():
                    query.add_annotation(value if hasattr(value, "resolve_expression") else Value(value), name, select=False)
            query.add_annotation(Coalesce(constraint.condition, True, output_field=models.BooleanField()), f"_check_{len(checks)}")
            checks.append(constraint)
    if not checks:
        return set()
    connection = connections[using]
    try:
        with transaction.atomic(using=using) if connection.in_atomic_block else nullcontext():
            row = query.get_compiler(using=using).execute_sql(SINGLE)
    except DatabaseError:
        logger.warning("A database error checking the constraints of %r", instance, exc_info=True)
        return set()
    return {id(constraint) for constraint, passed in zip(checks, row) if not passed}


class LiveManager(models.Manager):
    def get_queryset(self):
        return super().get_queryset().filter(deleted_at__isnull=True)


class Stage(models.TextChoices):
    """Where an extradition matter stands, in the usual order of US, UK and Indian practice.

    The order is for display only: real matters move backwards (an appeal quashes an order) and
    skip stages, so any move between different stages is allowed."""

    BEFORE_REQUEST = "before_request", "Before request"
    REQUEST_MADE = "request_made", "Request made"
    ARREST = "arrest", "Arrest or provisional arrest"
    HEARING = "hearing", "Extradition hearing"
    COMMITTED = "committed", "Committed / found extraditable"
    EXECUTIVE_ORDER = "executive_order", "Executive decision"
    APPEAL = "appeal", "Appeal or review pending"
    REFUSED = "refused", "Refused or discharged"
    STAYED = "stayed", "Stayed by separate proceedings"
    SURRENDER_PENDING = "surrender_pending", "Surrender pending"
    SURRENDERED = "surrendered", "Surrendered"
    AFTER_SURRENDER = "after_surrender", "After surrender (custody, trial)"
    INACTIVE = "inactive", "Inactive"
    CLOSED = "closed", "Closed"


# How far along the usual path a stage is, for telling a move forwards from a move back (which the
# stage form asks to confirm) and for drawing the path still ahead. Committal, the executive decision
# and the appeal share a step: their order differs by forum (an appeal before or after the decision).
# Refused, stayed, inactive and closed are on no path: a move to or from them is never "back".
TYPICAL_PATH = {
    Stage.BEFORE_REQUEST: 0, Stage.REQUEST_MADE: 1, Stage.ARREST: 2, Stage.HEARING: 3,
    Stage.COMMITTED: 4, Stage.EXECUTIVE_ORDER: 4, Stage.APPEAL: 4,
    Stage.SURRENDER_PENDING: 5, Stage.SURRENDERED: 6, Stage.AFTER_SURRENDER: 7,
}


def stage_move_is_back(from_stage: str, to_stage: str) -> bool:
    """Whether moving between these stages goes back along the usual path (an appeal that sends a
    case back to a hearing, a mistaken click on an early stage)."""
    if from_stage not in TYPICAL_PATH or to_stage not in TYPICAL_PATH:
        return False
    return TYPICAL_PATH[to_stage] < TYPICAL_PATH[from_stage]


def stages_ahead(stage: str) -> list[str]:
    """The stages a matter usually still goes through after this one (none from a stage off the path)."""
    if stage not in TYPICAL_PATH:
        return []
    # Of the shared step, the decision that usually follows committal; an appeal only when brought.
    ahead = [other for other, step in TYPICAL_PATH.items() if step > TYPICAL_PATH[stage] and other != Stage.APPEAL]
    return [Stage.EXECUTIVE_ORDER, *ahead] if stage == Stage.COMMITTED else ahead


class Outcome(models.TextChoices):
    """How the extradition itself ended; what happened to the person afterwards is AfterSurrender."""

    EXTRADITED = "extradited", "Extradited"
    REFUSED = "refused", "Refused"
    WITHDRAWN = "withdrawn", "Request withdrawn"
    DISCHARGED = "discharged", "Discharged"
    SETTLED = "settled", "Ended by plea or other settlement"
    DIED = "died", "Person died before surrender"
    FLED = "fled", "Person fled"
    ASYLUM = "asylum", "Person granted asylum"
    DEPORTED = "deported", "Removed by deportation instead"
    LAPSED = "lapsed", "Lapsed or abandoned"
    OTHER = "other", "Other"

    @classmethod
    def without_extradition(cls) -> list[str]:
        return [value for value in cls.values if value != cls.EXTRADITED]


class AfterSurrender(models.TextChoices):
    """What became of the person in the requesting state, once surrendered; the latest known."""

    PENDING = "pending", "Awaiting trial"
    ON_TRIAL = "on_trial", "On trial"
    CONVICTED = "convicted", "Convicted"
    ACQUITTED = "acquitted", "Acquitted"
    CHARGES_DROPPED = "charges_dropped", "Charges dropped"
    SERVING_SENTENCE = "serving_sentence", "Serving sentence"
    RELEASED = "released", "Released"
    DIED = "died", "Died"
    RETURNED = "returned", "Returned to the requested state"


class Confidence(models.TextChoices):
    """How sure the record is, from a primary document down to a contested claim."""

    CONFIRMED = "confirmed", "Confirmed by a primary document"
    CORROBORATED = "corroborated", "Corroborated by several independent reports"
    REPORTED = "reported", "Reported by one source"
    UNCONFIRMED = "unconfirmed", "Unconfirmed"
    DISPUTED = "disputed", "Disputed: sources conflict"


class Treaty(models.Model):
    """A treaty or convention that can be the legal basis of many matters."""

    name = models.CharField(
        "name", max_length=500, unique=True, help_text="As it is usually cited, e.g. “India–US Extradition Treaty (1997)”."
    )
    countries = CountryField("parties", multiple=True, blank=True, help_text="The states bound by the treaty.")
    signed_on = models.DateField("signed on", null=True, blank=True)
    in_force_on = models.DateField("in force since", null=True, blank=True)
    url = models.URLField("text of the treaty", max_length=500, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "treaty"
        verbose_name_plural = "treaties"
        ordering = ["name"]

    def __str__(self):
        return self.name


class PersonQuerySet(models.QuerySet):
    def matching(self, text: str):
        """People whose name or any recorded variant matches the text, best first (see ``cases.names``)."""
        from . import names  # names builds on these models

        return names.people_matching(text, queryset=self)


class Person(models.Model):
    name = models.CharField(
        "name", max_length=200, help_text="The name as this tracker shows it; spellings and full names go in name variants."
    )
    nationality = CountryField("nationality", multiple=True, blank=True)
    description = models.TextField(
        "description", blank=True, help_text="Who the person is, in a sentence: “Pakistani-born Canadian businessman”."
    )
    version = models.PositiveIntegerField(
        "version", default=1, editable=False, help_text="Raised by every edit, so that a stale form cannot overwrite."
    )
    created_at = models.DateTimeField("created at", auto_now_add=True)
    updated_at = models.DateTimeField("updated at", auto_now=True)
    history = HistoricalRecords()

    objects = PersonQuerySet.as_manager()

    class Meta:
        verbose_name = "person"
        verbose_name_plural = "people"
        ordering = ["name"]
        indexes = [models.Index(fields=["name"])]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("cases:person_detail", args=[self.pk])


class PersonName(models.Model):
    """Another way the same person is written: a full name, a transliteration, an alias."""

    class Kind(models.TextChoices):
        FULL = "full", "Full name"
        TRANSLITERATION = "transliteration", "Transliteration or spelling"
        ALIAS = "alias", "Alias"

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="names", verbose_name="person")
    name = models.CharField("name", max_length=200)
    kind = models.CharField("kind", max_length=20, choices=Kind, default=Kind.TRANSLITERATION)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "name variant"
        verbose_name_plural = "name variants"
        ordering = ["person", "name"]
        constraints = [models.UniqueConstraint(fields=["person", "name"], name="person_name_unique")]

    def __str__(self):
        return self.name


class NameWord(models.Model):
    """One word of a person's name or of one of its variants, as name searches compare it.

    Derived data, rewritten by ``cases.names`` whenever a person or a variant is saved (deleting
    the variant or the person deletes its words): see that module for why and how."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="name_words", verbose_name="person")
    variant = models.ForeignKey(
        PersonName,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="words",
        verbose_name="name variant",
        help_text="The variant this word comes from; empty for the person's own name.",
    )
    word = models.CharField(
        "word", max_length=60, help_text="Lower case, accents and other scripts written in plain letters: “polanski”."
    )
    name = models.CharField(
        "name",
        max_length=200,
        help_text="The whole name or variant the word is part of, as recorded: what “did you mean” offers.",
    )

    class Meta:
        verbose_name = "name word"
        verbose_name_plural = "name words"
        ordering = ["person", "pk"]
        indexes = [
            # Prefix lookups ("nir" finds "nirav"): LIKE 'nir%' on PostgreSQL needs the pattern
            # operator class whatever the database's collation; SQLite reads it as a plain index.
            # With the person, a word's people are read from the index alone.
            models.Index(
                fields=["word", "person"], name="nameword_word_person", opclasses=["varchar_pattern_ops", "int8_ops"]
            ),
        ]

    def __str__(self):
        return self.word


class KnownWord(models.Model):
    """A word found in at least one recorded name, once, with its spelling key: where similar
    spellings are looked up (a few thousand rows where ``NameWord`` has one per person's word).

    Written by ``cases.names`` with the name words; a word no name uses any more stays until
    ``names.name_index_rebuild`` (it then finds no one, which costs nothing)."""

    word = models.CharField("word", max_length=60, primary_key=True)
    key = models.CharField(
        "spelling key",
        max_length=60,
        help_text="The word with the usual differences between romanisations folded away (doubled letters, ee/i, "
        "sh/s…): “neerav” and “nirav” share one.",
    )

    class Meta:
        verbose_name = "known name word"
        verbose_name_plural = "known name words"
        ordering = ["word"]

    def __str__(self):
        return self.word


class Authority(models.Model):
    """A body that acts in a matter: a court, a ministry, a prosecutor, the police, an international
    body or a legislature. One matter runs before several."""

    class Kind(models.TextChoices):
        COURT = "court", "Court"
        EXECUTIVE = "executive", "Government or ministry"
        PROSECUTOR = "prosecutor", "Prosecutor or investigating agency"
        POLICE = "police", "Police"
        INTERNATIONAL = "international", "International body"
        LEGISLATURE = "legislature", "Legislature"
        OTHER = "other", "Other"

    class Level(models.TextChoices):
        FIRST_INSTANCE = "first_instance", "First-instance extradition court"
        REVIEW = "review", "Habeas corpus or judicial review"
        APPEAL = "appeal", "Appeal court"
        SUPREME = "supreme", "Supreme or final court"
        EXECUTIVE = "executive", "Executive (minister or Secretary of State)"
        REQUESTING_STATE = "requesting_state", "Court in the requesting state"
        HUMAN_RIGHTS = "human_rights", "Human-rights body"
        OTHER = "other", "Other"

    name = models.CharField("name", max_length=200, help_text="E.g. “Supreme Court of the United States”.")
    country = CountryField("country", blank=True, help_text="Blank for an international body such as the ECtHR.")
    jurisdiction = models.CharField(
        "jurisdiction", max_length=200, blank=True, help_text="E.g. “Ninth Circuit”, “England and Wales”, “federal”."
    )
    kind = models.CharField("kind", max_length=20, choices=Kind, default=Kind.COURT)
    level = models.CharField(
        "level", max_length=20, choices=Level, blank=True, help_text="For a court: its place in an extradition matter."
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = "authority"
        verbose_name_plural = "authorities"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["name", "country"], name="authority_name_country_unique"),
            models.CheckConstraint(
                condition=~Q(kind="court") | ~Q(level=""),
                name="authority_court_has_level",
                violation_error_message="A court needs its level.",
            ),
        ]

    def __str__(self):
        return self.name


class CaseQuerySet(models.QuerySet):
    def open(self):
        return self.filter(closed_on__isnull=True)

    def closed(self):
        return self.filter(closed_on__isnull=False)


class Case(SoftDeletable):
    title = models.CharField(
        "title", max_length=200, help_text="How analysts refer to the matter, e.g. “Tahawwur Rana (US → India)”."
    )
    reference = models.SlugField(
        "reference",
        max_length=50,
        unique=True,
        help_text="A short, stable identifier (letters, digits, hyphens), used in links, exports and imports.",
    )
    requesting_state = CountryField("requesting state", help_text="The state that wants the person.")
    requested_state = CountryField("requested state", help_text="The state where the person is.")
    offences = models.TextField("offences", help_text="The offences for which extradition is sought.")
    treaty = models.ForeignKey(
        Treaty,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name="treaty",
        help_text="The treaty the request relies on, if it relies on one.",
    )
    legal_basis = models.TextField(
        "legal basis",
        blank=True,
        help_text="The statutes, conventions or arrangements relied on, as cited; any length, or blank when unknown.",
    )
    summary = models.TextField("summary", blank=True)
    stage = models.CharField(
        "stage",
        max_length=20,
        choices=Stage,
        default=Stage.REQUEST_MADE,
        editable=False,
        help_text="Set only by recording a stage change.",
    )
    stage_entered_on = models.DateField(
        "in this stage since",
        null=True,
        blank=True,
        editable=False,
        help_text="The date of the latest stage change: the first day of its month or year when only that is known.",
    )
    stage_entered_precision = models.CharField(
        "stage date known to", max_length=5, choices=DatePrecision, default=DatePrecision.DAY, editable=False
    )
    stage_entered_approximate = models.BooleanField("stage date approximate", default=False, editable=False)
    opened_on = models.DateField(
        "opened on", null=True, blank=True, help_text="The day the requesting state made its request, if known."
    )
    outcome = models.CharField(
        "extradition outcome",
        max_length=20,
        choices=Outcome,
        blank=True,
        help_text="How the extradition ended (extradited, refused…); blank while it is undecided.",
    )
    after_surrender = models.CharField(
        "after surrender",
        max_length=20,
        choices=AfterSurrender,
        blank=True,
        help_text="Once extradited: what has become of the person in the requesting state, the latest known.",
    )
    closed_on = models.DateField(
        "closed on", null=True, blank=True, help_text="The day the tracker stopped following the matter; blank while open."
    )
    last_event = models.ForeignKey(
        "Event",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name="latest event",
        help_text="The event latest in time, kept here so lists need no extra query.",
    )
    last_activity_on = models.DateField(
        "last activity", null=True, blank=True, editable=False, help_text="The date of the latest event."
    )
    search_vector = SearchVectorField(
        "search words",
        null=True,
        editable=False,
        help_text="Every word of the case and its events, weighted by where it stands, for the search box "
        "(see cases.search): a full-text vector on PostgreSQL, a list of words on SQLite.",
    )
    search_text = models.TextField(
        "search text",
        blank=True,
        editable=False,
        help_text="The case's own text as the search reads it (title, reference, offences, summary, legal "
        "basis, treaty, people and their name variants), one per line, kept by the services.",
    )
    version = models.PositiveIntegerField(
        "version", default=1, editable=False, help_text="Raised by every edit, so that a stale form cannot overwrite."
    )
    created_at = models.DateTimeField("created at", auto_now_add=True)
    updated_at = models.DateTimeField("updated at", auto_now=True)
    history = HistoricalRecords(
        excluded_fields=["last_event", "last_activity_on", "updated_at", "search_text", "search_vector"]
    )

    objects = LiveManager.from_queryset(CaseQuerySet)()
    all_objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = "case"
        verbose_name_plural = "cases"
        ordering = ["-last_activity_on", "title"]
        indexes = [
            # The list's default order (last activity, newest first, cases without events last) has
            # an index on PostgreSQL only, made in migration 0006: SQLite cannot index NULLS LAST.
            # The list's stage counts and its common filters read this index alone (an index-only scan).
            models.Index(
                fields=["stage", "requesting_state", "requested_state", "outcome"],
                condition=Q(deleted_at__isnull=True),
                name="case_facets",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(requesting_state=models.F("requested_state")),
                name="case_states_differ",
                violation_error_message="The requesting and requested states must differ.",
            ),
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | ~Q(outcome=""),
                name="case_closed_has_outcome",
                violation_error_message="A closed case needs its outcome.",
            ),
            models.CheckConstraint(
                condition=Q(after_surrender="") | Q(outcome="extradited"),
                name="case_after_surrender_needs_extradition",
                violation_error_message="What happened after surrender applies only to a person who was extradited.",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse_cached("cases:case_detail", self.reference)

    # The one way the app writes a matter's direction: the way the person would go, as titles do
    # ("Tahawwur Rana (US → India)").
    ROUTE_LABEL = "Requested state → requesting state"

    @property
    def route_display(self) -> str:
        return f"{country_name(self.requested_state)} → {country_name(self.requesting_state)}"

    @property
    def is_open(self) -> bool:
        return self.closed_on is None

    @property
    def stage_entered_display(self) -> str:
        return partial_date_display(
            self.stage_entered_on, precision=self.stage_entered_precision, approximate=self.stage_entered_approximate
        )

    @property
    def person_sought(self):
        """The first person sought on the case, or None; several are rare but allowed."""
        for party in self.parties.all():
            if party.role == CaseParty.Role.PERSON_SOUGHT:
                return party.person
        return None

    def save(self, *args, **kwargs):
        # The list's kept counts (cases.facets) move with the case in the same transaction. Here
        # rather than in each service because every write of a case passes through save(), the
        # admin's and the test factories' included, and a count that one path forgot would be wrong
        # for good.
        from . import facets

        update_fields = kwargs.get("update_fields")
        if update_fields is not None and not facets.FACET_SOURCE_FIELDS.intersection(update_fields):
            return super().save(*args, **kwargs)
        with transaction.atomic(using=kwargs.get("using")):
            old = facets.case_facet_key_stored(self.pk) if self.pk and not self._state.adding else None
            super().save(*args, **kwargs)
            facets.case_facets_move(old=old, new=facets.case_facet_key(vars(self)))

    def delete(self, *args, **kwargs):
        # Only the admin and tests remove a case for good; services mark it deleted (SoftDeletable).
        from . import facets

        with transaction.atomic(using=kwargs.get("using")):
            old = facets.case_facet_key_stored(self.pk)
            result = super().delete(*args, **kwargs)
            facets.case_facets_move(old=old, new=None)
        return result


class CaseFacet(models.Model):
    """How many live cases share one combination of the columns the case list counts by: its stage
    counts are sums of these rows rather than a scan of every case (see ``cases.facets``)."""

    stage = models.CharField("stage", max_length=20, choices=Stage)
    requesting_state = CountryField("requesting state", blank=True, help_text="Blank: any requesting state.")
    requested_state = CountryField("requested state", blank=True, help_text="Blank: any requested state.")
    outcome = models.CharField("extradition outcome", max_length=20, choices=Outcome, blank=True)
    after_surrender = models.CharField("after surrender", max_length=20, choices=AfterSurrender, blank=True)
    is_open = models.BooleanField("open", help_text="Whether these cases are still followed (no closing day).")
    cases = models.IntegerField(
        "cases", default=0, help_text="The number of live cases with these values; kept by Case.save in the change's transaction."
    )

    class Meta:
        verbose_name = "case count"
        verbose_name_plural = "case counts"
        constraints = [
            models.UniqueConstraint(
                # The states first: the list reads the rows of one state pair (or of "any").
                fields=["requesting_state", "requested_state", "stage", "outcome", "after_surrender", "is_open"],
                name="case_facet_unique",
            ),
        ]

    def __str__(self):
        return f"{self.get_stage_display()}, {self.requested_state} → {self.requesting_state}: {self.cases}"


class CaseCheck(models.Model):
    """An analyst looked for news of the case and found nothing to record. The record is then known
    to be current on that day, however old its latest entry: "as of" on the case page says both."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="checks", verbose_name="case")
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name="checked by"
    )
    checked_at = models.DateTimeField("checked at")

    class Meta:
        verbose_name = "check for news"
        verbose_name_plural = "checks for news"
        indexes = [models.Index(fields=["case", "-checked_at"], name="case_check_latest")]

    def __str__(self):
        return f"{self.case} checked at {self.checked_at:%Y-%m-%d %H:%M}"


class CaseParty(models.Model):
    """A person's role on one case; the same person can be on several cases."""

    class Role(models.TextChoices):
        PERSON_SOUGHT = "person_sought", "Person sought"
        CO_ACCUSED = "co_accused", "Co-accused"
        WITNESS = "witness", "Witness"
        VICTIM = "victim", "Victim or complainant"
        COUNSEL = "counsel", "Counsel"
        OFFICIAL = "official", "Official"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="parties", verbose_name="case")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="roles", verbose_name="person")
    role = models.CharField("role", max_length=20, choices=Role)
    note = models.CharField(
        "note", max_length=300, blank=True, help_text="What the role means here, e.g. “US has refused his extradition”."
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = "person on a case"
        verbose_name_plural = "people on cases"
        ordering = ["case", "role", "person__name"]
        constraints = [models.UniqueConstraint(fields=["case", "person", "role"], name="case_party_unique")]

    def __str__(self):
        return f"{self.person} ({self.get_role_display()})"


class CaseRelation(models.Model):
    """A tie between two matters: the same person sought by another state, a parallel proceeding,
    a request that replaced another, a co-accused's own case. Stored once, shown on both cases."""

    class Relation(models.TextChoices):
        SAME_PERSON = "same_person", "Same person, another request"
        PARALLEL = "parallel", "Parallel proceeding"
        SUPERSEDED_BY = "superseded_by", "Superseded by"
        CO_ACCUSED = "co_accused", "Co-accused's case"

    # How the relation reads from the other case's page.
    INVERSE_LABELS = {Relation.SUPERSEDED_BY: "Supersedes"}

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="relations_from", verbose_name="case")
    related_case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="relations_to", verbose_name="related case"
    )
    relation = models.CharField(
        "relation", max_length=20, choices=Relation, help_text="How the related case stands to this one."
    )
    note = models.CharField("note", max_length=300, blank=True, help_text="E.g. “Sweden's request, dropped in 2019”.")
    history = HistoricalRecords()

    class Meta:
        verbose_name = "related matter"
        verbose_name_plural = "related matters"
        ordering = ["case", "relation", "related_case__title"]
        constraints = [
            models.UniqueConstraint(fields=["case", "related_case"], name="case_relation_unique"),
            models.CheckConstraint(
                condition=~Q(case=models.F("related_case")),
                name="case_relation_not_self",
                violation_error_message="A case cannot be related to itself.",
            ),
        ]

    def __str__(self):
        return f"{self.case} → {self.get_relation_display().lower()} → {self.related_case}"

    def label_from(self, case: "Case") -> str:
        """The relation as read from ``case``'s page (either end)."""
        if case.pk == self.case_id:
            return self.get_relation_display()
        return self.INVERSE_LABELS.get(self.relation, self.get_relation_display())

    def other(self, case: "Case") -> "Case":
        return self.related_case if case.pk == self.case_id else self.case


class Source(models.Model):
    """Where an event was learned: a news report, a judgment, a press release."""

    url = models.URLField("address", max_length=500, blank=True, help_text="Blank for print or unpublished sources.")
    publisher = models.CharField("publisher", max_length=200, blank=True, help_text="E.g. “Ministry of External Affairs”.")
    title = models.CharField("title", max_length=300)
    published_on = models.DateField("published on", null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "source"
        verbose_name_plural = "sources"
        ordering = ["-published_on", "title"]
        constraints = [models.UniqueConstraint(fields=["url"], condition=~Q(url=""), name="source_url_unique")]

    def __str__(self):
        return f"{self.publisher}: {self.title}" if self.publisher else self.title


class Statement(models.Model):
    """What a government said, once, however many cases it concerns: each case it concerns
    carries its own statement event pointing here."""

    class Channel(models.TextChoices):
        BRIEFING = "briefing", "Press briefing"
        PRESS_RELEASE = "press_release", "Press release"
        JOINT_PRESS_CONFERENCE = "joint_press_conference", "Joint press conference"
        COURT_FILING = "court_filing", "Court filing"
        INTERVIEW = "interview", "Interview"
        PARLIAMENT = "parliament", "Parliament or congress"
        OTHER = "other", "Other"

    government = CountryField("government", help_text="The state on whose behalf the speaker spoke.")
    body = models.CharField("body", max_length=200, help_text="Ministry or department, e.g. “Ministry of External Affairs”.")
    speaker = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="statements",
        verbose_name="speaker",
        help_text="Blank when the body spoke without a named person.",
    )
    speaker_title = models.CharField("speaker's title", max_length=200, blank=True, help_text="E.g. “Spokesperson”.")
    channel = models.CharField("channel", max_length=30, choices=Channel, blank=True, help_text="Blank when unknown.")
    reported_speech = models.BooleanField(
        "reported speech",
        default=False,
        help_text="The source tells what was said in its own words (“the ministry said India would…”), not verbatim.",
    )
    quote = models.TextField(
        "quote", blank=True, help_text="The words as said, verbatim; may be blank for reported speech."
    )
    gist = models.TextField(
        "what was said",
        blank=True,
        help_text="For reported speech: what was said, as the source reports it. Never shown as a quotation.",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = "government statement"
        verbose_name_plural = "government statements"
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(reported_speech=True) | ~Q(quote=""),
                name="statement_verbatim_has_quote",
                violation_error_message="A verbatim statement needs its quote; tick “reported speech” when there is none.",
            ),
            models.CheckConstraint(
                condition=~Q(quote="") | ~Q(gist=""),
                name="statement_says_something",
                violation_error_message="Give the quote, or what was said in reported speech.",
            ),
        ]

    def __str__(self):
        who = self.speaker or self.body
        text = self.quote or self.gist
        short = f"{text[:60]}…" if len(text) > 60 else text
        return f"{who}: “{short}”" if self.quote else f"{who} said {short}"


class EventQuerySet(models.QuerySet):
    def timeline_order(self, *, newest_first: bool = True):
        """The case's own order (``position``): by date where dates tell, as the analyst placed them where they overlap."""
        if newest_first:
            return self.order_by("-position", "-id")
        return self.order_by("position", "id")


class RulingDecision(models.TextChoices):
    """What a court decided, across the whole criminal process around a matter: the extradition
    proceedings, appeals and reviews, custody, and the trial in the requesting state."""

    # Extradition proceedings
    CERTIFIED = "certified", "Certified extraditable"
    COMMITTED = "committed", "Committed to await surrender"
    ORDER_MADE = "order_made", "Extradition ordered by the court"
    SENT_TO_MINISTER = "sent_to_minister", "Sent to the minister for decision"
    REFUSED = "refused", "Extradition refused"
    DISCHARGED = "discharged", "Discharged"
    AUTHORISATION_REVOKED = "authorisation_revoked", "Extradition authorisation revoked"
    # Appeals and reviews
    AFFIRMED = "affirmed", "Affirmed"
    REVERSED = "reversed", "Reversed"
    QUASHED = "quashed", "Order quashed"
    REMITTED = "remitted", "Sent back to the lower court"
    APPEAL_ALLOWED = "appeal_allowed", "Appeal allowed"
    APPEAL_DISMISSED = "appeal_dismissed", "Appeal dismissed"
    PERMISSION_GRANTED = "permission_granted", "Permission to appeal granted"
    PERMISSION_REFUSED = "permission_refused", "Permission to appeal refused"
    PETITION_GRANTED = "petition_granted", "Petition granted"
    PETITION_DENIED = "petition_denied", "Petition denied"
    CERT_DENIED = "cert_denied", "Declined to hear (certiorari denied)"
    STAY_GRANTED = "stay_granted", "Stay granted"
    STAY_DENIED = "stay_denied", "Stay denied"
    INTERIM_MEASURES = "interim_measures", "Interim measures ordered"
    # Custody
    WARRANT_ISSUED = "warrant_issued", "Arrest warrant issued"
    REMANDED = "remanded", "Remanded in custody"
    BAIL_GRANTED = "bail_granted", "Bail granted"
    BAIL_REFUSED = "bail_refused", "Bail refused"
    # The criminal case
    CHARGED = "charged", "Charges framed or accepted"
    DECLARED_FUGITIVE = "declared_fugitive", "Declared a fugitive or proclaimed offender"
    CHARGES_DISMISSED = "charges_dismissed", "Charges dismissed"
    DPA_APPROVED = "dpa_approved", "Deferred-prosecution or plea agreement approved"
    CONVICTED = "convicted", "Convicted"
    ACQUITTED = "acquitted", "Acquitted"
    SENTENCED = "sentenced", "Sentenced"
    OTHER = "other", "Other"


class ExecutiveDecision(models.TextChoices):
    """What a government decided: a minister's order, a Secretary of State's authorisation, a refusal."""

    REQUEST_MADE = "request_made", "Extradition request sent"
    REQUEST_CERTIFIED = "request_certified", "Request certified"
    PROVISIONAL_ARREST_REQUESTED = "provisional_arrest_requested", "Provisional arrest requested"
    EXTRADITION_ORDERED = "extradition_ordered", "Extradition ordered"
    EXTRADITION_REFUSED = "extradition_refused", "Extradition refused"
    SURRENDER_AUTHORISED = "surrender_authorised", "Surrender authorised"
    SURRENDER_DEFERRED = "surrender_deferred", "Surrender deferred"
    ORDER_WITHDRAWN = "order_withdrawn", "Order withdrawn"
    ASSURANCES_GIVEN = "assurances_given", "Assurances given"
    REQUEST_WITHDRAWN = "request_withdrawn", "Request withdrawn"
    ASYLUM_GRANTED = "asylum_granted", "Asylum granted"
    ASYLUM_REFUSED = "asylum_refused", "Asylum refused"
    CITIZENSHIP_REVOKED = "citizenship_revoked", "Citizenship or passport revoked"
    DEPORTATION_ORDERED = "deportation_ordered", "Deportation ordered"
    OTHER = "other", "Other"


class StatusCategory(models.TextChoices):
    """What a status update is about, so that updates can be filtered."""

    INVESTIGATION = "investigation", "Investigation"
    CHARGE = "charge", "Charges or indictment"
    FLIGHT = "flight", "Flight or whereabouts"
    ASYLUM = "asylum", "Asylum"
    CITIZENSHIP = "citizenship", "Citizenship"
    INTERPOL_NOTICE = "interpol_notice", "Interpol notice"
    HEALTH = "health", "Health"
    DEATH = "death", "Death"
    CASE_CLOSURE = "case_closure", "Case closed or reopened"
    OTHER = "other", "Other"


class Event(SoftDeletable):
    """Something that happened on a case.

    All kinds share one table, with the columns of each kind left empty on the others: the
    timeline is then one query without joins, each kind gets its own form through its list of
    fields, and check constraints hold what each kind requires."""

    class Kind(models.TextChoices):
        RULING = "ruling", "Court ruling"
        EXECUTIVE_DECISION = "executive_decision", "Executive decision"
        STATEMENT = "statement", "Government statement"
        STATUS = "status", "Status update"
        HEARING = "hearing", "Hearing"
        FILING = "filing", "Filing"
        CUSTODY = "custody", "Custody change"
        STAGE_CHANGE = "stage_change", "Stage change"

    Decision = RulingDecision

    class HearingStatus(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        FIRST_APPEARANCE = "first_appearance", "First appearance"
        HELD = "held", "Held"
        RESERVED = "reserved", "Held, judgment reserved"
        ADJOURNED = "adjourned", "Adjourned"
        VACATED = "vacated", "Cancelled"

    class FilingType(models.TextChoices):
        APPEAL = "appeal", "Appeal"
        PETITION = "petition", "Petition"
        HABEAS = "habeas", "Habeas corpus petition"
        CERT = "cert", "Petition for certiorari"
        STAY = "stay", "Application for a stay"
        BAIL = "bail", "Application for bail"
        REQUEST = "request", "Extradition request"
        CHARGE_SHEET = "charge_sheet", "Charge sheet or indictment"
        COMPLAINT = "complaint", "Complaint"
        OTHER = "other", "Other"

    class CustodyChange(models.TextChoices):
        ARRESTED = "arrested", "Arrested"
        PROVISIONALLY_ARRESTED = "provisionally_arrested", "Provisionally arrested"
        BAILED = "bailed", "Released on bail"
        REMANDED = "remanded", "Remanded in custody"
        HOUSE_ARREST = "house_arrest", "Placed under house arrest"
        RELEASED = "released", "Released"
        TRANSFERRED = "transferred", "Transferred"
        SURRENDERED = "surrendered", "Surrendered"
        ESCAPED = "escaped", "Escaped or absconded"
        DEPORTED = "deported", "Deported"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events", verbose_name="case")
    kind = models.CharField("kind", max_length=20, choices=Kind)
    occurred_on = models.DateField(
        "date",
        help_text="When it happened, not when it was reported; the first day of the month or year when only that is known.",
    )
    date_precision = models.CharField("date known to", max_length=5, choices=DatePrecision, default=DatePrecision.DAY)
    date_approximate = models.BooleanField("approximate date", default=False, help_text="Tick for “around”, “late 2018”.")
    date_earliest = models.DateField(
        "earliest day", null=True, editable=False, help_text="The first day the date can mean (kept by the services)."
    )
    date_latest = models.DateField(
        "latest day", null=True, editable=False, help_text="The last day the date can mean (kept by the services)."
    )
    position = models.BigIntegerField(
        "place on the timeline",
        default=0,
        editable=False,
        help_text="Orders the case's events: by date where the dates tell, as the analyst placed them where they overlap.",
    )
    reported_on = models.DateField(
        "reported on", null=True, blank=True, help_text="When the news first reported it, often days after it happened."
    )
    summary = models.TextField("summary", help_text="What happened, in a sentence or two; for a stage change, the reason.")
    note = models.TextField(
        "analyst's note",
        blank=True,
        help_text="For the record, not the story: “day inferred from ‘on Friday’”, “sources conflict: Feb vs Aug 2017”.",
    )
    confidence = models.CharField("confidence", max_length=12, choices=Confidence, default=Confidence.REPORTED)
    sources = models.ManyToManyField(Source, related_name="events", blank=True, verbose_name="sources")

    # Who acted: a court for rulings, hearings and filings; a ministry for executive decisions; any body otherwise.
    authority = models.ForeignKey(
        Authority,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="events",
        verbose_name="acting authority",
        help_text="The court, ministry, prosecutor, police or other body that acted.",
    )
    docket_number = models.CharField("docket number", max_length=100, blank=True)
    decision = models.CharField(
        "decision",
        max_length=30,
        choices=[*RulingDecision.choices, *[c for c in ExecutiveDecision.choices if c[0] not in RulingDecision.values]],
        blank=True,
    )
    decision_detail = models.CharField(
        "decision detail",
        max_length=300,
        blank=True,
        help_text="Shown beside the decision: “on two of three counts”, “14 years”, “pending health assurances”.",
    )
    judges = models.CharField("judge(s)", max_length=300, blank=True)
    official = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="decisions",
        verbose_name="official",
        help_text="For an executive decision: the minister or official who took it.",
    )
    document_url = models.URLField("document", max_length=500, blank=True, help_text="Link to the judgment or order.")
    hearing_status = models.CharField("hearing status", max_length=20, choices=HearingStatus, blank=True)
    filing_type = models.CharField("filing", max_length=20, choices=FilingType, blank=True)
    filed_by = models.CharField("filed by", max_length=200, blank=True, help_text="The party that filed it.")
    # Status updates.
    category = models.CharField("about", max_length=20, choices=StatusCategory, blank=True)
    # Government statements.
    statement = models.ForeignKey(
        Statement, on_delete=models.PROTECT, null=True, blank=True, related_name="events", verbose_name="statement"
    )
    # Custody changes: one, or two that happened together (“surrendered, then arrested by the NIA”).
    custody_change = models.CharField("custody change", max_length=25, choices=CustodyChange, blank=True)
    custody_change_then = models.CharField(
        "then", max_length=25, choices=CustodyChange, blank=True, help_text="A second change that followed at once."
    )
    # Stage changes: written only by services.case_change_stage.
    from_stage = models.CharField("from stage", max_length=20, choices=Stage, blank=True)
    to_stage = models.CharField("to stage", max_length=20, choices=Stage, blank=True)

    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="recorded by",
    )
    recorded_at = models.DateTimeField("recorded at", auto_now_add=True)
    updated_at = models.DateTimeField("updated at", auto_now=True)
    version = models.PositiveIntegerField(
        "version", default=1, editable=False, help_text="Raised by every edit, so that a stale form cannot overwrite."
    )
    history = HistoricalRecords(
        m2m_fields=[sources], excluded_fields=["updated_at", "position", "date_earliest", "date_latest"]
    )

    objects = LiveManager.from_queryset(EventQuerySet)()
    all_objects = EventQuerySet.as_manager()

    class Meta:
        verbose_name = "event"
        verbose_name_plural = "events"
        ordering = ["-position", "-id"]
        indexes = [
            models.Index(fields=["case", "-position", "-id"], name="event_timeline"),
            # The API's events of one case, newest recorded first (its cursor pages by id).
            models.Index(fields=["case", "-id"], name="event_case_recorded"),
            models.Index(fields=["kind"]),
            # Placing a new event looks for the first event certainly after it: usually none or few.
            models.Index(fields=["case", "date_earliest"], name="event_placing"),
            # The stage track reads only a case's stage changes, out of possibly thousands of events;
            # the analytics read every case's, in this order: on PostgreSQL the index alone answers
            # them (the columns they read are included), with no sort.
            models.Index(
                fields=["case", "position", "id"], condition=Q(kind="stage_change"), name="event_stage_track",
                include=["from_stage", "to_stage", "occurred_on", "date_precision", "deleted_at"],
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="ruling")
                | (Q(authority__isnull=False) & Q(decision__in=RulingDecision.values)),
                name="event_ruling_has_authority_and_decision",
                violation_error_message="A court ruling needs a court and a court's decision.",
            ),
            models.CheckConstraint(
                condition=~Q(kind="executive_decision")
                | (Q(authority__isnull=False) & Q(decision__in=ExecutiveDecision.values)),
                name="event_executive_decision_has_authority_and_decision",
                violation_error_message="An executive decision needs the government body and its decision.",
            ),
            models.CheckConstraint(
                condition=~Q(kind="statement") | Q(statement__isnull=False),
                name="event_statement_has_statement",
                violation_error_message="A government statement event needs the statement.",
            ),
            models.CheckConstraint(
                condition=~Q(kind="hearing") | ~Q(hearing_status=""),
                name="event_hearing_has_status",
                violation_error_message="A hearing needs its status (scheduled, held, adjourned…).",
            ),
            models.CheckConstraint(
                condition=~Q(kind="filing") | ~Q(filing_type=""),
                name="event_filing_has_type",
                violation_error_message="A filing needs its type.",
            ),
            models.CheckConstraint(
                condition=~Q(kind="custody") | ~Q(custody_change=""),
                name="event_custody_has_change",
                violation_error_message="A custody change needs what changed.",
            ),
            models.CheckConstraint(
                condition=~Q(kind="status") | ~Q(category=""),
                name="event_status_has_category",
                violation_error_message="A status update needs what it is about.",
            ),
            models.CheckConstraint(
                condition=~Q(kind="stage_change") | (~Q(to_stage="") & ~Q(to_stage=models.F("from_stage"))),
                name="event_stage_change_moves",
                violation_error_message="A stage change must move the case to a different stage.",
            ),
        ]

    def __str__(self):
        return f"{self.date_display} · {self.get_kind_display()}: {self.summary[:80]}"

    def get_absolute_url(self):
        return reverse("cases:case_detail", args=[self.case.reference]) + f"#event-{self.pk}"

    def clean(self):
        super().clean()
        if self.occurred_on:
            try:
                partial_date_validate(self.occurred_on, precision=self.date_precision)
            except ValidationError as error:
                raise ValidationError({"occurred_on": error}) from None

    @property
    def date_display(self) -> str:
        return partial_date_display(self.occurred_on, precision=self.date_precision, approximate=self.date_approximate)

    @property
    def date_bounds(self) -> "DateBounds":
        return partial_date_bounds(self.occurred_on, precision=self.date_precision, approximate=self.date_approximate)

    @property
    def decision_label(self) -> str:
        """The decision as its own kind's vocabulary names it (both vocabularies share one column)."""
        vocabulary = ExecutiveDecision if self.kind == self.Kind.EXECUTIVE_DECISION else RulingDecision
        try:
            return vocabulary(self.decision).label
        except ValueError:
            return self.decision
