"""Names found as people spell them: a table of every name's words and one of the distinct words
(see cases.names), filled for the people already on file; on PostgreSQL, pg_trgm with GIN trigram
indexes for similar spellings, and unaccent, for searches that compare words in SQL (the free-text
search's migration builds on this one)."""

import re
from itertools import chain, islice

import django.db.models.deletion
from anyascii import anyascii
from django.contrib.postgres.operations import TrigramExtension, UnaccentExtension
from django.db import migrations, models

# A copy of cases.names' normalisation as it stood when this migration was written.
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
_APOSTROPHES = re.compile(r"['`]")
_FOLDS = (
    ("dzh", "j"), ("dj", "j"), ("zh", "j"), ("ph", "f"), ("kh", "k"), ("gh", "g"), ("bh", "b"), ("dh", "d"),
    ("th", "t"), ("sh", "s"), ("ck", "k"), ("q", "k"), ("ee", "i"), ("oo", "u"), ("ou", "u"), ("y", "i"),
)
_DOUBLED = re.compile(r"(.)\1+")
_W_BETWEEN_VOWELS = re.compile(r"(?<=[aeiou])w(?=[aeiou])")


def _words(text):
    words = []
    for word in _NOT_ALNUM.split(_APOSTROPHES.sub("", anyascii(text[:200]).lower())):
        word = word[:60]
        if word and word not in words:
            words.append(word)
    return words


def _key(word):
    for spelling, folded in _FOLDS:
        word = word.replace(spelling, folded)
    word = _W_BETWEEN_VOWELS.sub("", _DOUBLED.sub(r"\1", word))
    return _DOUBLED.sub(r"\1", word)


def fill_name_words(apps, schema_editor):
    Person, PersonName = apps.get_model("cases", "Person"), apps.get_model("cases", "PersonName")
    NameWord, KnownWord = apps.get_model("cases", "NameWord"), apps.get_model("cases", "KnownWord")
    people = Person.objects.order_by().values_list("pk", "name").iterator(chunk_size=5000)
    variants = PersonName.objects.order_by().values_list("pk", "person_id", "name").iterator(chunk_size=5000)
    rows = chain(
        (NameWord(person_id=pk, variant_id=None, word=w, name=name[:200]) for pk, name in people for w in _words(name)),
        (NameWord(person_id=person_id, variant_id=pk, word=w, name=name[:200])
         for pk, person_id, name in variants for w in _words(name)),
    )
    known = set()
    while chunk := list(islice(rows, 5000)):
        NameWord.objects.bulk_create(chunk)
        known.update(row.word for row in chunk)
    KnownWord.objects.bulk_create([KnownWord(word=word, key=_key(word)) for word in sorted(known)], batch_size=5000)


# Similar spellings: pg_trgm's % operator on the known words and on their spelling keys.
TRIGRAM_INDEXES = {
    "knownword_word_trigram": "word",
    "knownword_key_trigram": "key",
}


def create_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, column in TRIGRAM_INDEXES.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON cases_knownword USING gin ({column} gin_trgm_ops)")


def drop_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in TRIGRAM_INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("cases", "0012_record_v2_rules")]

    operations = [
        # Both do nothing on SQLite.
        TrigramExtension(),
        UnaccentExtension(),
        migrations.CreateModel(
            name="NameWord",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("word", models.CharField(help_text="Lower case, accents and other scripts written in plain letters: “polanski”.", max_length=60, verbose_name="word")),
                ("name", models.CharField(help_text="The whole name or variant the word is part of, as recorded: what “did you mean” offers.", max_length=200, verbose_name="name")),
                ("person", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="name_words", to="cases.person", verbose_name="person")),
                ("variant", models.ForeignKey(blank=True, help_text="The variant this word comes from; empty for the person's own name.", null=True, on_delete=django.db.models.deletion.CASCADE, related_name="words", to="cases.personname", verbose_name="name variant")),
            ],
            options={
                "verbose_name": "name word",
                "verbose_name_plural": "name words",
                "ordering": ["person", "pk"],
                "indexes": [models.Index(fields=["word", "person"], name="nameword_word_person", opclasses=["varchar_pattern_ops", "int8_ops"])],
            },
        ),
        migrations.CreateModel(
            name="KnownWord",
            fields=[
                ("word", models.CharField(max_length=60, primary_key=True, serialize=False, verbose_name="word")),
                ("key", models.CharField(help_text="The word with the usual differences between romanisations folded away (doubled letters, ee/i, sh/s…): “neerav” and “nirav” share one.", max_length=60, verbose_name="spelling key")),
            ],
            options={
                "verbose_name": "known name word",
                "verbose_name_plural": "known name words",
                "ordering": ["word"],
            },
        ),
        migrations.RunPython(fill_name_words, migrations.RunPython.noop),
        migrations.RunPython(create_trigram_indexes, drop_trigram_indexes),
    ]
