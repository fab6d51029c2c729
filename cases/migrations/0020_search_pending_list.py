from django.db import migrations

# Kilobytes of new search words that may wait in the GIN index's pending list (PostgreSQL's
# default is 4,096). A case with 10,000 events holds about 25,000 words, and every update of its
# row adds them all again (about 1 MB): the default made every fourth update of such a case merge
# the list into the index in the writer's request (250–550 ms). The worker now empties the list
# after each change (cases.tasks.search_index_tidy); this only leaves room until it does.
PENDING_LIST_KB = 16384


def raise_pending_list_limit(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER INDEX case_search_vector SET (gin_pending_list_limit = {PENDING_LIST_KB})")


def reset_pending_list_limit(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER INDEX case_search_vector RESET (gin_pending_list_limit)")


class Migration(migrations.Migration):

    dependencies = [
        ("cases", "0019_event_case_recorded"),
    ]

    operations = [
        migrations.RunPython(raise_pending_list_limit, reset_pending_list_limit),
    ]
