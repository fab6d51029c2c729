"""Names as people spell them (cases/names.py): short forms, any order, accents, other scripts,
misspellings and other romanisations, best match first, "did you mean", and the index kept."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases import names, roles, services
from cases.forms import PersonLookupField
from cases.models import CaseParty, KnownWord, NameWord, Person, PersonName
from tests.factories import CaseFactory, PersonFactory, PersonNameFactory, UserFactory

pytestmark = pytest.mark.django_db


def _person(name, *variants):
    return services.person_create(name=name, variants=variants, by=None)


@pytest.fixture
def people(db):
    """Real matters' people, recorded as an analyst would: full names, variants, accents."""
    return {
        "modi": _person("Nirav Deepak Modi"),
        "assange": _person("Julian Paul Assange"),
        "choksi": _person("Mehul Chinubhai Choksi"),
        "lynch": _person("Michael Richard Lynch", ("Mike", "alias")),
        "rana": _person("Tahawwur Rana", ("Tahawwur Hussain Rana", "full")),
        "headley": _person("David Coleman Headley", ("Daood Sayed Gilani", "full")),
        "polanski": _person("Roman Polański"),
        "ranade": _person("Mahadev Ranade"),
    }


def _found(text):
    return [person.name for person in names.people_matching(text)]


# Words in any order, short forms, prefixes -------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("Nirav Modi", "Nirav Deepak Modi"),
        ("Julian Assange", "Julian Paul Assange"),
        ("assange julian", "Julian Paul Assange"),
        ("Mehul Choksi", "Mehul Chinubhai Choksi"),
        ("MODI nirav", "Nirav Deepak Modi"),
        ("tahaw", "Tahawwur Rana"),
        ("hussain rana", "Tahawwur Rana"),
    ],
)
def test_short_forms_and_any_word_order_find_the_person(people, query, name):
    assert _found(query)[0] == name


def test_a_variant_counts_as_one_of_the_persons_names(people):
    assert _found("Mike Lynch") == ["Michael Richard Lynch"]
    assert _found("Daood Gilani") == ["David Coleman Headley"]


def test_accents_are_ignored_both_ways(people):
    assert _found("Polanski") == ["Roman Polański"]
    assert _found("Polański") == ["Roman Polański"]
    _person("Lech Walesa")
    assert _found("Wałęsa") == ["Lech Walesa"]


def test_a_name_typed_in_another_script_finds_the_romanised_record(people):
    # "Ассанж" is romanised "Assanzh": close enough to "Assange".
    assert _found("Джулиан Ассанж") == ["Julian Paul Assange"]


# Misspellings and other romanisations ------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("Tahawur Rana", "Tahawwur Rana"),
        ("Tahavvur Rana", "Tahawwur Rana"),
        ("Neerav Modi", "Nirav Deepak Modi"),
        ("Mehul Chokshi", "Mehul Chinubhai Choksi"),
        ("Chokshi", "Mehul Chinubhai Choksi"),
        ("Dawood Gilani", "David Coleman Headley"),
        ("Julian Asange", "Julian Paul Assange"),
    ],
)
def test_misspellings_and_other_romanisations_find_the_person(people, query, name):
    assert _found(query)[0] == name


def test_unrelated_names_are_not_found(people):
    assert "Mehul Chinubhai Choksi" not in _found("Nirav Modi")
    assert _found("Neerav Modi") == ["Nirav Deepak Modi"]
    assert _found("Vladimir Kovalenko") == []
    assert _found("Tahawur Rana") == ["Tahawwur Rana"]  # not Mahadev Ranade: "tahawur" is nothing like his names


def test_every_typed_word_must_match_the_same_person(people):
    assert _found("Nirav Choksi") == []


# Best match first --------------------------------------------------------------------------------


def test_a_whole_word_ranks_before_a_word_it_only_begins(people):
    assert _found("Rana") == ["Tahawwur Rana", "Mahadev Ranade"]


def test_the_closest_spelling_ranks_first(people):
    _person("Neeraj Modi")
    assert _found("Neerav Modi") == ["Nirav Deepak Modi", "Neeraj Modi"]


def test_similar_spellings_are_only_a_fallback_when_words_match(people):
    _person("Neeraj Modi")
    assert _found("Neeraj Modi") == ["Neeraj Modi"]


def test_blank_or_wordless_text_matches_no_one(people):
    assert _found("  ") == [] and _found("-- ''") == []


def test_a_queryset_narrows_the_people_searched(people):
    others = Person.objects.exclude(pk=people["rana"].pk)
    assert list(names.people_matching("rana", queryset=others)) == [people["ranade"]]
    assert list(Person.objects.exclude(pk=people["ranade"].pk).matching("rana")) == [people["rana"]]


# Did you mean -----------------------------------------------------------------------------------


def test_a_misspelling_is_answered_with_the_recorded_name(people):
    assert names.name_suggestion("Tahawur Rana") == "Tahawwur Rana"
    assert names.name_suggestion("Dawood Gilani") == "Daood Sayed Gilani"


def test_no_suggestion_when_the_words_match_or_nothing_is_close(people):
    assert names.name_suggestion("Nirav Modi") is None
    assert names.name_suggestion("Vladimir Kovalenko") is None
    assert names.name_suggestion("") is None


# The index kept -----------------------------------------------------------------------------------


def test_people_written_without_the_services_are_found_too(db):
    """The admin's inlines and the test factories save rows directly."""
    person = PersonFactory(name="Vijay Mallya")
    PersonNameFactory(person=person, name="Vijay Vittal Mallya", kind=PersonName.Kind.FULL)
    assert _found("vittal") == ["Vijay Mallya"]


def test_a_renamed_person_is_found_by_the_new_name_only(people):
    services.person_update(person=people["choksi"], by=None, name="Mehul Choksy")
    assert _found("Chinubhai") == []
    assert _found("Choksy") == ["Mehul Choksy"]


def test_a_removed_variant_no_longer_finds_the_person(people):
    services.person_set_names(person=people["rana"], names=[("Tahavvur Rana", "transliteration")], by=None)
    assert _found("hussain") == []
    assert _found("tahavvur") == ["Tahawwur Rana"]


def test_a_deleted_person_leaves_no_words(people):
    pk = people["ranade"].pk
    people["ranade"].delete()
    assert not NameWord.objects.filter(person_id=pk).exists()


def test_the_rebuild_indexes_bulk_inserted_people(db):
    person = Person.objects.bulk_create([Person(name="Lalit Kumar Modi")])[0]
    PersonName.objects.bulk_create([PersonName(person=person, name="Lalit Modi", kind="alias")])
    assert _found("lalit") == []
    assert names.name_index_rebuild() == 5
    assert _found("lalit modi") == ["Lalit Kumar Modi"]


def test_the_migration_indexes_the_people_already_on_file(transactional_db):
    executor = MigrationExecutor(connection)
    before, after = [("cases", "0012_record_v2_rules")], executor.loader.graph.leaf_nodes()
    executor.migrate(before)
    old = MigrationExecutor(connection).loader.project_state(before).apps
    OldPerson, OldName = old.get_model("cases", "Person"), old.get_model("cases", "PersonName")
    person = OldPerson.objects.create(name="Sanjay Bhandari")
    OldName.objects.create(person=person, name="Sanjay Bhandaari", kind="transliteration")
    MigrationExecutor(connection).migrate(after)
    assert _found("bhandaari sanjay") == ["Sanjay Bhandari"]
    words = set(NameWord.objects.filter(person_id=person.pk).values_list("word", flat=True))
    assert words == {"sanjay", "bhandari", "bhandaari"}
    assert KnownWord.objects.get(word="bhandaari").key == "bandari"


# Pages and forms ---------------------------------------------------------------------------------


@pytest.fixture
def viewer_client(client):
    roles.roles_sync()
    user = UserFactory(username="names-viewer")
    roles.user_set_role(user=user, role=roles.VIEWER)
    client.force_login(user)
    return client


@pytest.fixture
def modi_case(people):
    case = CaseFactory(title="Nirav Modi (UK → India)", reference="modi")
    services.case_add_party(case=case, person=people["modi"], role=CaseParty.Role.PERSON_SOUGHT, by=None)
    other = CaseFactory(title="Mehul Choksi (Antigua → India)", reference="choksi")
    services.case_add_party(case=other, person=people["choksi"], role=CaseParty.Role.PERSON_SOUGHT, by=None)
    return case


def test_the_people_page_finds_a_short_form(viewer_client, people):
    content = viewer_client.get(reverse("cases:person_list"), {"q": "Julian Assange"}).content.decode()
    assert "Julian Paul Assange" in content and "Did you mean" not in content


def test_the_people_page_offers_the_recorded_name_for_a_misspelling(viewer_client, people):
    content = viewer_client.get(reverse("cases:person_list"), {"q": "Tahawur Rana"}).content.decode()
    assert "Tahawwur Rana" in content
    assert 'Did you mean <a href="?q=Tahawwur+Rana">Tahawwur Rana</a>?' in content


def test_the_case_list_finds_a_case_by_a_misspelt_person(viewer_client, modi_case):
    content = viewer_client.get(reverse("cases:case_list"), {"person": "Neerav Modi", "page": "1"}).content.decode()
    assert "Nirav Modi (UK → India)" in content and "Mehul Choksi (Antigua" not in content
    assert 'Did you mean <a href="?person=Nirav+Deepak+Modi">Nirav Deepak Modi</a>?' in content


def test_the_case_list_keeps_its_other_filters_in_the_suggestion(viewer_client, modi_case):
    query = {"person": "Neerav Modi", "requesting_state": "IN"}
    content = viewer_client.get(reverse("cases:case_list"), query).content.decode()
    assert 'href="?person=Nirav+Deepak+Modi&amp;requesting_state=IN"' in content


def test_the_case_list_finds_a_short_form_without_a_suggestion(viewer_client, modi_case):
    content = viewer_client.get(reverse("cases:case_list"), {"person": "nirav modi"}).content.decode()
    assert "Nirav Modi (UK → India)" in content and "Did you mean" not in content


@pytest.mark.parametrize("text", ["nirav modi", "Neerav Modi"])
def test_the_case_lists_person_search_runs_once_per_request(viewer_client, modi_case, text):
    """The list and its stage counts filter by the same person: the names are read once, and the
    suggestion comes with them. PostgreSQL finds words and similar words in one query; SQLite
    reads its distinct words and the people again when the words match no one."""
    viewer_client.get(reverse("cases:case_list"))
    with CaptureQueriesContext(connection) as unfiltered:
        viewer_client.get(reverse("cases:case_list"))
    with CaptureQueriesContext(connection) as queries:
        assert viewer_client.get(reverse("cases:case_list"), {"person": text}).status_code == 200
    searches = [q["sql"] for q in queries if "cases_nameword" in q["sql"] or "cases_knownword" in q["sql"]]
    expected = 1 if connection.vendor == "postgresql" or text == "nirav modi" else 3
    assert len(searches) == expected, searches
    assert len(queries) == len(unfiltered) + expected


def test_person_suggestions_include_other_spellings(viewer_client, people):
    content = viewer_client.get(reverse("cases:person_suggest"), {"person": "Neerav"}).content.decode()
    assert 'value="Nirav Deepak Modi"' in content


def test_a_typed_short_form_names_the_one_person_it_fits(people):
    assert PersonLookupField(required=False).clean("nirav modi") == people["modi"]
    assert PersonLookupField(required=False).clean("polanski") == people["polanski"]


def test_a_typed_misspelling_is_refused_with_the_recorded_name(people):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="Did you mean Tahawwur Rana"):
        PersonLookupField(required=False).clean("Tahawur Rana")


def test_a_typed_prefix_is_not_taken_for_a_name(people):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="Did you mean Tahawwur Rana"):
        PersonLookupField(required=False).clean("Tahaw")


def test_the_person_form_marks_each_variant_as_full_name_transliteration_or_alias(client):
    roles.roles_sync()
    user = UserFactory(username="names-analyst")
    roles.user_set_role(user=user, role=roles.ANALYST)
    client.force_login(user)
    content = client.get(reverse("cases:person_create")).content.decode()
    assert 'name="names-0-kind"' in content
    for label in ("Full name", "Transliteration or spelling", "Alias"):
        assert f">{label}</option>" in content
    response = client.post(reverse("cases:person_create"), {
        "name": "Abu Salem", "description": "", "version": "1",
        "names-TOTAL_FORMS": "1", "names-INITIAL_FORMS": "0", "names-MIN_NUM_FORMS": "0", "names-MAX_NUM_FORMS": "30",
        "names-0-name": "Abu Salem Abdul Qayoom Ansari", "names-0-kind": "alias",
    })
    assert response.status_code == 302
    assert PersonName.objects.get(name="Abu Salem Abdul Qayoom Ansari").kind == PersonName.Kind.ALIAS
    assert _found("Ansari Abu") == ["Abu Salem"]


# The pieces -------------------------------------------------------------------------------------


def test_words_are_plain_lower_case_letters_without_apostrophes():
    assert names.name_words("Roman  Polański, O’Brien-Smith (Jr.)") == ["roman", "polanski", "obrien", "smith", "jr"]


@pytest.mark.parametrize(
    ("a", "b"), [("neerav", "nirav"), ("tahawwur", "tahawur"), ("chokshi", "choksi"), ("dawood", "daood")]
)
def test_usual_romanisations_share_a_spelling_key(a, b):
    assert names.word_key(a) == names.word_key(b)


def test_the_trigram_similarity_is_pg_trgms():
    if connection.vendor != "postgresql":
        pytest.skip("compares with PostgreSQL's pg_trgm")
    pairs = [("neerav", "nirav"), ("dawood", "daood"), ("modi", "mehul"), ("a", "ab"), ("assanzh", "assange")]
    with connection.cursor() as cursor:
        for a, b in pairs:
            cursor.execute("SELECT similarity(%s, %s)", [a, b])
            assert names.trigram_similarity(a, b) == pytest.approx(cursor.fetchone()[0], abs=1e-6), (a, b)
