"""Every word on a case page finds the case: each case's search document is rebuilt with the texts
the search now covers (courts, judges, officials, speakers and bodies, notes, decision details,
sources…), cut into words by ``cases.search`` the same way on PostgreSQL and SQLite; every word
goes to a vocabulary table, read to turn query prefixes into words on PostgreSQL and for "did you
mean" (trigram-indexed on PostgreSQL: pg_trgm comes from 0013).

The rebuild calls the search module with this migration's models: the documents are derived data,
and whatever builds them today is what the services keep afterwards."""

import django.contrib.postgres.search
from django.db import migrations, models

WORD_TABLE = "cases_search_word"


def create_word_table(apps, schema_editor):
    # A plain table rather than a model: only the search reads and writes it, and it holds only words.
    schema_editor.execute(
        f"CREATE TABLE IF NOT EXISTS {WORD_TABLE} (word varchar(100) NOT NULL PRIMARY KEY, suggest boolean NOT NULL)"
    )
    if schema_editor.connection.vendor == "postgresql":
        # The words a query word begins (LIKE 'court%' whatever the collation), and the nearest
        # spellings (GiST: ordered by trigram distance, with no similarity threshold to set).
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS search_word_prefix ON {WORD_TABLE} (word varchar_pattern_ops)"
        )
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS search_word_trigram ON {WORD_TABLE} "
            "USING gist (word gist_trgm_ops) WHERE suggest"
        )


def drop_word_table(apps, schema_editor):
    schema_editor.execute(f"DROP TABLE IF EXISTS {WORD_TABLE}")


def rebuild_documents(apps, schema_editor):
    from cases import search

    if schema_editor.connection.vendor == "sqlite":
        # The word lists replace whatever SQLite held in this column (nothing: it was PostgreSQL's).
        schema_editor.execute("UPDATE cases_case SET search_vector = NULL")
    search.search_vector_refresh_all(apps=apps)


def restore_plain_vectors(apps, schema_editor):
    # Going back, 0007's vectors (without weights) are rebuilt by its own SQL on the next rebuild;
    # until then the weighted vectors still answer its plain queries. SQLite had none.
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute("UPDATE cases_case SET search_vector = NULL")


class Migration(migrations.Migration):
    dependencies = [("cases", "0013_name_search")]

    operations = [
        migrations.AlterField(
            model_name="case",
            name="search_vector",
            field=django.contrib.postgres.search.SearchVectorField(
                editable=False,
                help_text="Every word of the case and its events, weighted by where it stands, for the search box "
                "(see cases.search): a full-text vector on PostgreSQL, a list of words on SQLite.",
                null=True,
                verbose_name="search words",
            ),
        ),
        migrations.AlterField(
            model_name="case",
            name="search_text",
            field=models.TextField(
                blank=True,
                editable=False,
                help_text="The case's own text as the search reads it (title, reference, offences, summary, legal "
                "basis, treaty, people and their name variants), one per line, kept by the services.",
                verbose_name="search text",
            ),
        ),
        migrations.RunPython(create_word_table, drop_word_table),
        migrations.RunPython(rebuild_documents, restore_plain_vectors, elidable=True),
    ]
